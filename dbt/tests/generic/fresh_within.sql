{# The newest value of a date column is at most `max_lag_days` before the run's as-of date.
   Each use is tagged with the data it judges (`fresh_trending`, `fresh_channel`). A run that names the
   data it ingested (var `freshness`, a list) runs only those tests (the gold flow excludes the others) and
   an empty model fails them; without that var every test runs and a model without rows passes (nothing of
   that kind was ever loaded, e.g. a trending-only lake). #}
{% test fresh_within(model, column_name) %}
select max({{ column_name }}) as newest, {{ as_of_date() }} as as_of
from {{ model }}
having {% if var('freshness', none) is none %} max({{ column_name }}) is not null and {% endif %}
    (max({{ column_name }}) is null
     or datediff({{ as_of_date() }}, max({{ column_name }})) > {{ var('max_lag_days') }})
{% endtest %}
