{# The newest value of a date column is at most `max_lag_days` before the run's as-of date. #}
{% test fresh_within(model, column_name) %}
select max({{ column_name }}) as newest, {{ as_of_date() }} as as_of
from {{ model }}
having max({{ column_name }}) is null
    or datediff({{ as_of_date() }}, max({{ column_name }})) > {{ var('max_lag_days') }}
{% endtest %}
