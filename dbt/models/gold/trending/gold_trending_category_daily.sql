-- "Videos and views by region, day and category" (the AWS system's question), without fan-out.
select
    region,
    snapshot_date,
    category_id,
    category_title,
    count(distinct video_id) as videos,
    sum(views) as views,
    sum(likes) as likes,
    sum(comments) as comments
from {{ ref('gold_trending_videos') }}
group by region, snapshot_date, category_id, category_title
