{# dbt-spark's MERGE, plus: rows of the rebuilt window that the model no longer yields are deleted.
   Silver replaces a channel-day when a restated bulk report (or the switch from reports.query to the
   bulk reports) drops a row; an upsert-only MERGE would keep the stale row in Gold and double-count.
   Applies to models configured `delete_missing_in_window=true` when the run names its window
   (var gold_since).

   The stale rows are found first (the window's target rows without a source row) and enter the MERGE
   as source rows flagged for deletion, so the MERGE has only MATCHED / NOT MATCHED clauses and Delta
   reads and rewrites only the window's files. (`WHEN NOT MATCHED BY SOURCE` does the same in one clause
   but makes Delta rewrite every file of the table: 365 partitions for a 7-day window, measured.) #}
{% macro spark__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) %}
  {%- if config.get('delete_missing_in_window') and var('gold_since') -%}
    {{ merge_deleting_missing_in_window(target, source, unique_key, incremental_predicates) }}
  {%- else -%}
    {{ dbt_spark_merge_sql_base(target, source, unique_key, incremental_predicates) }}
  {%- endif -%}
{% endmacro %}

{% macro merge_deleting_missing_in_window(target, source, unique_key, incremental_predicates) %}
  {%- set keys = [unique_key] if unique_key is string else unique_key -%}
  {%- set window = config.get('window_column', 'date') ~ " >= date'" ~ var('gold_since') ~ "'" -%}
  {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='name') | map('lower') | list -%}
  {%- set predicates = [] if incremental_predicates is none else [] + incremental_predicates -%}
  {%- for key in keys -%}
    {%- do predicates.append('DBT_INTERNAL_SOURCE.' ~ key ~ ' = DBT_INTERNAL_DEST.' ~ key) -%}
  {%- endfor -%}
  merge into {{ target }} as DBT_INTERNAL_DEST
      using (
          select {{ columns | join(', ') }}, false as dbt_missing_in_window from {{ source }}
          union all
          select {% for c in columns %}stale.{{ c }}, {% endfor %}true as dbt_missing_in_window
          from (select * from {{ target }} where {{ window }}) as stale
          left anti join {{ source }} as fresh
              on {% for key in keys %}fresh.{{ key }} = stale.{{ key }}{{ " and " if not loop.last }}{% endfor %}
      ) as DBT_INTERNAL_SOURCE
      on {{ predicates | join(' and ') }}
      when matched and DBT_INTERNAL_SOURCE.dbt_missing_in_window then delete
      when matched then update set
        {%- for c in columns %}
          {{ c }} = DBT_INTERNAL_SOURCE.{{ c }}{{ "," if not loop.last }}
        {%- endfor %}
      when not matched and not DBT_INTERNAL_SOURCE.dbt_missing_in_window then insert ({{ columns | join(', ') }})
          values ({% for c in columns %}DBT_INTERNAL_SOURCE.{{ c }}{{ ", " if not loop.last }}{% endfor %})
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
