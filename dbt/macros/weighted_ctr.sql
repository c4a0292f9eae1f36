{# The click-through rate of summed rows: sum(impressions x ctr) / sum(impressions), never an average of rates;
   NULL without impressions. In decimals, so the sum does not depend on the order Spark adds rows in (a re-run
   gives the same value to the last digit); the rate as served has at most 10 decimals kept. #}
{% macro weighted_ctr(impressions, ctr) -%}
case when sum({{ impressions }}) > 0 then cast(
    sum(cast({{ impressions }} as decimal(20, 0)) * cast({{ ctr }} as decimal(12, 10)))
    / sum(cast({{ impressions }} as decimal(20, 0))) as double)
end
{%- endmacro %}
