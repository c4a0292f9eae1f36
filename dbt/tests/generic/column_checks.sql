{# A model's rules in one query instead of one query (and one dbt node) per rule:
   - not_null: columns without NULL; non_negative: no value below zero; fraction: no value above one;
   - accepted_values: {column: [values]}, no other non-NULL value;
   - unique: the model's grain, no combination of these columns twice;
   - references: {column: relation}, every non-NULL value is a value of the same column in that relation
     (e.g. video_id in silver.silver_videos).
   A failure lists every broken rule with its number of failing rows (for `unique`, keys held twice or more),
   and the test's failure count is the sum of those. `tasks.gold` names the broken rules in a failed run's error. #}
{% test column_checks(model, not_null=[], non_negative=[], fraction=[], accepted_values={}, unique=[], references={}) %}
{{ config(fail_calc='coalesce(sum(failing_rows), 0)') }}
{%- set rules = [] -%}
{%- for column in not_null -%}
  {%- do rules.append(("not_null(" ~ column ~ ")", adapter.quote(column) ~ " is null")) -%}
{%- endfor -%}
{%- for column in non_negative -%}
  {%- do rules.append(("non_negative(" ~ column ~ ")", adapter.quote(column) ~ " < 0")) -%}
{%- endfor -%}
{%- for column in fraction -%}
  {%- do rules.append(("fraction(" ~ column ~ ")", adapter.quote(column) ~ " > 1")) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
  {%- set listed = [] -%}
  {%- for value in values -%}{%- do listed.append("'" ~ value ~ "'") -%}{%- endfor -%}
  {%- do rules.append(("accepted_values(" ~ column ~ ")",
                       adapter.quote(column) ~ " not in (" ~ listed | join(", ") ~ ")")) -%}
{%- endfor %}
with checked as (
    select * from {{ model }}
)
select rule, failing_rows
from (
    {%- if rules %}
    select stack({{ rules | length }},
        {%- for name, condition in rules %}
        '{{ name }}', rule_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}) as (rule, failing_rows)
    from (
        select
        {%- for name, condition in rules %}
            coalesce(sum(case when {{ condition }} then 1 else 0 end), 0) as rule_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
        from checked
    ) counted
    {%- else %}
    select cast(null as string) as rule, cast(0 as bigint) as failing_rows
    {%- endif %}
    {%- if unique %}
    union all
    select 'unique({{ unique | join(", ") }})' as rule, count(*) as failing_rows
    from (
        select 1 from checked group by {{ unique | join(", ") }} having count(*) > 1
    ) repeated
    {%- endif %}
    {%- for column, parent in references.items() %}
    union all
    select 'references({{ column }} -> {{ parent.schema }}.{{ parent.identifier }})' as rule, count(*) as failing_rows
    from checked as child
    left join (select distinct {{ adapter.quote(column) }} as parent_key from {{ parent }}) as parents
        on child.{{ adapter.quote(column) }} = parents.parent_key
    where child.{{ adapter.quote(column) }} is not null and parents.parent_key is null
    {%- endfor %}
) rules
where failing_rows > 0
{% endtest %}
