"""The one SparkSession of a process and the lake's table layout."""
