{# A model's column rules in one scan instead of one query per column: each `not_null` column has no
   NULL, each `non_negative` column no value below zero, each `fraction` column no value above one. A failure
   lists every broken rule with its number of failing rows, and the test's failure count is the sum of those
   rows. #}
{% test column_checks(model, not_null=[], non_negative=[], fraction=[]) %}
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
{%- endfor %}
select rule, failing_rows
from (
    select stack({{ rules | length }},
        {%- for name, condition in rules %}
        '{{ name }}', rule_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}) as (rule, failing_rows)
    from (
        select
        {%- for name, condition in rules %}
            coalesce(sum(case when {{ condition }} then 1 else 0 end), 0) as rule_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
        from {{ model }}
    ) counted
) rules
where failing_rows > 0
{% endtest %}
