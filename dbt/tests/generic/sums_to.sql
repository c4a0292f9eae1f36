{# `column` summed over the model's rows of each `keys` group equals `to_column` of the `to` model's row with the
   same keys, wherever both have a value (e.g. views summed over content types = the channel's views). #}
{% test sums_to(model, column, to, to_column, keys) %}
with parts as (
    select {{ keys | join(', ') }}, sum({{ column }}) as summed
    from {{ model }}
    group by {{ keys | join(', ') }}
),
whole as (
    select {{ keys | join(', ') }}, {{ to_column }} as expected
    from {{ to }}
)
select p.*, w.expected
from parts as p
join whole as w
    on {% for key in keys %}p.{{ key }} = w.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
where p.summed is not null and w.expected is not null and p.summed != w.expected
{% endtest %}
