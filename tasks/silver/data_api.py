"""Data API pages (videos, trending, channels, categories) as typed rows."""

from __future__ import annotations

from typing import Any

from tasks.silver.checks import non_negative_count, reasons, repeats_in_page, split_good_bad, unreadable

VIDEO_ITEM = (
    "struct<id:string, snippet:struct<publishedAt:string, channelId:string, title:string, description:string, "
    "channelTitle:string, tags:array<string>, categoryId:string, defaultAudioLanguage:string, "
    "liveBroadcastContent:string>, contentDetails:struct<duration:string, definition:string, caption:string, "
    "licensedContent:boolean, dimension:string>, status:struct<privacyStatus:string, uploadStatus:string, "
    "madeForKids:boolean, license:string, embeddable:boolean>, statistics:struct<viewCount:string, "
    "likeCount:string, commentCount:string, favoriteCount:string>, topicDetails:struct<topicCategories:array<string>>>"
)
CHANNEL_ITEM = (
    "struct<id:string, snippet:struct<title:string, description:string, customUrl:string, publishedAt:string, "
    "country:string>, contentDetails:struct<relatedPlaylists:struct<uploads:string>>, "
    "statistics:struct<viewCount:string, subscriberCount:string, hiddenSubscriberCount:boolean, videoCount:string>>"
)
CATEGORY_ITEM = "struct<id:string, snippet:struct<title:string, assignable:boolean, channelId:string>>"
LINEAGE = ("run_id", "snapshot_date", "ingest_ts_utc", "request_id", "request", "landing_path")
VIDEO_ID = r"^[A-Za-z0-9_-]{11}$"


def explode_items(pages: Any, item_schema: str) -> tuple[Any, Any]:
    """(one row per item with `item`, `item_json`, `position`; pages whose shape is wrong, with a reason)."""
    from pyspark.sql import functions as F

    parsed = pages.withColumn("_page", F.from_json("payload", f"struct<kind:string, items:array<{item_schema}>>"))
    bad_pages = (
        parsed.filter(F.col("_page.items").isNull())
        .withColumn("reason", F.lit("unexpected payload shape: no list of items"))
        .withColumn("record", F.substring("payload", 1, 2000))
    )
    raw_items = F.from_json("payload", "struct<items:array<string>>")["items"]
    items = (
        parsed.filter(F.col("_page.items").isNotNull())
        .withColumn("_raw_items", raw_items)
        .select("*", F.posexplode("_page.items").alias("position", "item"))
        .withColumn("item_json", F.col("_raw_items")[F.col("position")])
        .select(*[c for c in pages.columns if c != "payload"], "position", "item", "item_json")
    )
    return items, bad_pages


def iso_duration_seconds(col: Any) -> Any:
    """ISO 8601 durations as YouTube writes them (P#DT#H#M#S) in seconds; NULL if not one."""
    from pyspark.sql import functions as F

    pattern = r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
    parts = [F.regexp_extract(col, pattern, i) for i in (1, 2, 3, 4)]
    seconds = sum(F.coalesce(p.try_cast("int"), F.lit(0)) * m for p, m in zip(parts, (86400, 3600, 60, 1), strict=True))
    return F.when(col.rlike(pattern) & (col != "P") & (col != "PT"), seconds)


def parse_timestamp(col: Any) -> Any:
    from pyspark.sql import functions as F

    return F.coalesce(
        F.try_to_timestamp(col, F.lit("yyyy-MM-dd'T'HH:mm:ssX")),
        F.try_to_timestamp(col, F.lit("yyyy-MM-dd'T'HH:mm:ss.SSSX")),
    )


def wrong_types(item: Any, paths: dict[str, str], what: str) -> list[tuple[Any, str]]:
    """Checks: the item's value at each JSON path (-> its dotted field in `item`) is not what the schema reads."""
    checks = []
    for path, dotted in paths.items():
        field = item
        for name in dotted.split("."):
            field = field[name]
        checks.append(unreadable("item_json", path, field, f"{dotted.rsplit('.', 1)[-1]} {what}"))
    return checks


def video_rows(items: Any) -> tuple[Any, Any]:
    """(typed video rows, bad records) from exploded video items (videos.list or the chart)."""
    from pyspark.sql import functions as F

    i = F.col("item")
    views_checks, views = non_negative_count(i["statistics"]["viewCount"], "viewCount")
    likes_checks, likes = non_negative_count(i["statistics"]["likeCount"], "likeCount")
    comments_checks, comments = non_negative_count(i["statistics"]["commentCount"], "commentCount")
    favorites_checks, favorites = non_negative_count(i["statistics"]["favoriteCount"], "favoriteCount")
    published = parse_timestamp(i["snippet"]["publishedAt"])
    category = i["snippet"]["categoryId"].try_cast("int")
    blank_id = i["id"].isNull() | (F.trim(i["id"]) == "")
    rows = items.withColumn("_repeat", repeats_in_page(i["id"])).select(
        *LINEAGE,
        "region",
        "position",
        "page_offset",
        "item_json",
        i["id"].alias("video_id"),
        i["snippet"]["channelId"].alias("channel_id"),
        i["snippet"]["channelTitle"].alias("channel_title"),
        i["snippet"]["title"].alias("title"),
        i["snippet"]["description"].alias("description"),
        F.coalesce(i["snippet"]["tags"], F.array().cast("array<string>")).alias("tags"),
        category.alias("category_id"),
        published.alias("published_at"),
        i["snippet"]["defaultAudioLanguage"].alias("default_audio_language"),
        i["contentDetails"]["duration"].alias("duration_iso"),
        iso_duration_seconds(i["contentDetails"]["duration"]).alias("duration_seconds"),
        i["contentDetails"]["definition"].alias("definition"),
        i["contentDetails"]["caption"].alias("caption"),
        i["contentDetails"]["licensedContent"].alias("licensed_content"),
        i["status"]["privacyStatus"].alias("privacy_status"),
        i["status"]["madeForKids"].alias("made_for_kids"),
        views.alias("view_count"),
        likes.alias("like_count"),
        comments.alias("comment_count"),
        favorites.alias("favorite_count"),
        reasons(
            (blank_id, "missing video id"),
            (~blank_id & ~i["id"].rlike(VIDEO_ID), "malformed video id (not 11 letters, digits, - or _)"),
            (F.col("_repeat"), "duplicate video id in page (the first is kept)"),
            *wrong_types(
                i,
                {
                    "$.snippet": "snippet",
                    "$.contentDetails": "contentDetails",
                    "$.status": "status",
                    "$.statistics": "statistics",
                },
                "is not an object",
            ),
            *wrong_types(i, {"$.snippet.tags": "snippet.tags"}, "is not a list"),
            *wrong_types(
                i,
                {
                    "$.contentDetails.licensedContent": "contentDetails.licensedContent",
                    "$.status.madeForKids": "status.madeForKids",
                },
                "is not a boolean",
            ),
            (i["snippet"]["publishedAt"].isNotNull() & published.isNull(), "unparseable publishedAt"),
            (i["snippet"]["categoryId"].isNotNull() & category.isNull(), "non-integer categoryId"),
            *views_checks,
            *likes_checks,
            *comments_checks,
            *favorites_checks,
        ).alias("_reasons"),
    )
    return split_good_bad(rows)


def channel_rows(items: Any) -> tuple[Any, Any]:
    from pyspark.sql import functions as F

    i = F.col("item")
    views_checks, views = non_negative_count(i["statistics"]["viewCount"], "viewCount")
    subs_checks, subs = non_negative_count(i["statistics"]["subscriberCount"], "subscriberCount")
    vids_checks, vids = non_negative_count(i["statistics"]["videoCount"], "videoCount")
    published = parse_timestamp(i["snippet"]["publishedAt"])
    rows = items.withColumn("_repeat", repeats_in_page(i["id"])).select(
        *LINEAGE,
        "item_json",
        i["id"].alias("channel_id"),
        i["snippet"]["title"].alias("title"),
        i["snippet"]["description"].alias("description"),
        i["snippet"]["customUrl"].alias("custom_url"),
        published.alias("published_at"),
        i["snippet"]["country"].alias("country_code"),
        i["contentDetails"]["relatedPlaylists"]["uploads"].alias("uploads_playlist_id"),
        views.alias("view_count"),
        subs.alias("subscriber_count"),
        i["statistics"]["hiddenSubscriberCount"].alias("hidden_subscriber_count"),
        vids.alias("video_count"),
        reasons(
            (i["id"].isNull() | (F.trim(i["id"]) == ""), "missing channel id"),
            (F.col("_repeat"), "duplicate channel id in page (the first is kept)"),
            *wrong_types(
                i,
                {"$.snippet": "snippet", "$.contentDetails": "contentDetails", "$.statistics": "statistics"},
                "is not an object",
            ),
            *wrong_types(
                i, {"$.statistics.hiddenSubscriberCount": "statistics.hiddenSubscriberCount"}, "is not a boolean"
            ),
            (i["snippet"]["publishedAt"].isNotNull() & published.isNull(), "unparseable publishedAt"),
            *views_checks,
            *subs_checks,
            *vids_checks,
        ).alias("_reasons"),
    )
    return split_good_bad(rows)


def category_rows(items: Any) -> tuple[Any, Any]:
    from pyspark.sql import functions as F

    i = F.col("item")
    category = i["id"].try_cast("int")
    rows = items.withColumn("_repeat", repeats_in_page(F.trim(i["id"]))).select(
        *LINEAGE,
        "region",
        "item_json",
        category.alias("category_id"),
        i["snippet"]["title"].alias("title"),
        i["snippet"]["assignable"].alias("assignable"),
        i["snippet"]["channelId"].alias("channel_id"),
        reasons(
            (i["id"].isNull(), "missing category id"),
            (i["id"].isNotNull() & category.isNull(), "non-integer category id"),
            (F.col("_repeat"), "duplicate category id in page (the first is kept)"),
            *wrong_types(i, {"$.snippet": "snippet"}, "is not an object"),
            (F.col("region").isNull(), "missing region"),
        ).alias("_reasons"),
    )
    return split_good_bad(rows)
