{# dbt-spark's MERGE, plus: rows of the rebuilt window that the model no longer yields are deleted.
   Silver replaces a channel-day when a restated bulk report (or the switch from reports.query to the
   bulk reports) drops a row; an upsert-only MERGE would keep the stale row in Gold and double-count.
   Applies to models configured `delete_missing_in_window=true` when the run names its window
   (var gold_since): only that window's partitions are read, rewritten and pruned. #}
{% macro spark__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) %}
  {%- set merge_sql = dbt_spark_merge_sql_base(target, source, unique_key, incremental_predicates) -%}
  {{ merge_sql }}
  {%- if config.get('delete_missing_in_window') and var('gold_since') %}
      when not matched by source and DBT_INTERNAL_DEST.{{ config.get('window_column', 'date') }} >= date'{{ var("gold_since") }}' then delete
  {%- endif %}
{% endmacro %}

{% macro dbt_spark_merge_sql_base(target, source, unique_key, incremental_predicates) %}
  {%- set predicates = [] if incremental_predicates is none else [] + incremental_predicates -%}
  {%- set dest_columns = adapter.get_columns_in_relation(target) -%}
  {%- set update_columns = get_merge_update_columns(config.get('merge_update_columns'),
                                                   config.get('merge_exclude_columns'), dest_columns) -%}
  {%- if unique_key is sequence and unique_key is not mapping and unique_key is not string -%}
    {%- for key in unique_key -%}
      {%- do predicates.append('DBT_INTERNAL_SOURCE.' ~ key ~ ' = DBT_INTERNAL_DEST.' ~ key) -%}
    {%- endfor -%}
  {%- elif unique_key -%}
    {%- do predicates.append('DBT_INTERNAL_SOURCE.' ~ unique_key ~ ' = DBT_INTERNAL_DEST.' ~ unique_key) -%}
  {%- else -%}
    {%- do predicates.append('FALSE') -%}
  {%- endif -%}
  {{ sql_header if sql_header is not none }}
  merge into {{ target }} as DBT_INTERNAL_DEST
      using {{ source }} as DBT_INTERNAL_SOURCE
      on {{ predicates | join(' and ') }}
      when matched then update set
        {% if update_columns -%}{%- for column_name in update_columns %}
            {{ column_name }} = DBT_INTERNAL_SOURCE.{{ column_name }}{%- if not loop.last %}, {%- endif %}
        {%- endfor %}{%- else %} * {% endif %}
      when not matched then insert *
{%- endmacro %}
