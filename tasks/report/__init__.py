"""The run report: Gold as one self-contained HTML page (data from `tasks.jobs.report_data`)."""
