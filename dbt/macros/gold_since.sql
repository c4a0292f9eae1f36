{# First day an incremental Gold model rebuilds: the run's window start, else `restatement_days` back. #}
{% macro gold_since(date_column='date') -%}
  {%- if var('gold_since') -%}
    date'{{ var("gold_since") }}'
  {%- else -%}
    (select date_sub(max({{ date_column }}), {{ var('restatement_days') }}) from {{ this }})
  {%- endif -%}
{%- endmacro %}

{% macro as_of_date() -%}
  {%- if var('as_of_date') -%} date'{{ var("as_of_date") }}' {%- else -%} current_date() {%- endif -%}
{%- endmacro %}

{# The MERGE's target-side pruning: only the partitions from the window start on are read and rewritten
   (none when no window is given: Delta takes no subquery in a MERGE condition). #}
{% macro gold_target_since(date_column='date') -%}
  {%- if var('gold_since') -%}
    {{ return(["DBT_INTERNAL_DEST." ~ date_column ~ " >= date'" ~ var('gold_since') ~ "'"]) }}
  {%- else -%}
    {{ return([]) }}
  {%- endif -%}
{%- endmacro %}
