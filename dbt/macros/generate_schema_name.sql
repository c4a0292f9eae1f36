{# Tables land in the schema a model names (gold), not <target schema>_<name>. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
