{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['region', 'snapshot_date', 'video_id'],
          partition_by=['snapshot_date'], incremental_predicates=gold_target_since('snapshot_date')) }}

-- A video matches the category of its region that was valid on the snapshot day: at most one row.
select
    t.region,
    t.snapshot_date,
    t.rank,
    t.video_id,
    t.channel_id,
    t.channel_title,
    t.title,
    t.category_id,
    c.title as category_title,
    t.view_count as views,
    t.like_count as likes,
    t.comment_count as comments
from {{ source('silver', 'silver_trending_videos') }} as t
left join {{ source('silver', 'dim_category') }} as c
    on c.region = t.region
    and c.category_id = t.category_id
    and c.valid_from <= t.snapshot_date
    and (c.valid_to is null or t.snapshot_date < c.valid_to)
{% if is_incremental() %}
where t.snapshot_date >= {{ gold_since('snapshot_date') }}
{% endif %}
