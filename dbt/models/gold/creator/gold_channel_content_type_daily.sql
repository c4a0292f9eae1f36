{# A channel's day split by content type (Shorts, on-demand videos, live streams, stories), from the Analytics
   API's creatorContentType dimension. Since 2025-03-31 a Shorts view counts every start; engaged_views keeps
   the older meaning, so compare engaged views across types. Views summed over the types equal the channel's
   views of the day (tests/content_type_views_match_channel.sql). #}
{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['channel_id', 'date', 'content_type'],
          partition_by=['date'], incremental_predicates=gold_target_since('date'),
          delete_missing_in_window=true) }}

select
    channel_id,
    date,
    content_type,
    views,
    engaged_views,
    estimated_minutes_watched,
    subscribers_gained
from {{ source('silver', 'fact_channel_content_type_daily') }}
{% if is_incremental() %}
where date >= {{ gold_since() }}
{% endif %}
