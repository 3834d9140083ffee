-- A smaller insert-deduplication window (issue #20). A MergeTree table keeps the block ids of
-- its last `non_replicated_deduplication_window` inserts in memory (and in a log on disk);
-- the sink inserts about once a second into each of the three tables (the raw table and the
-- two rollups fed by the materialized views), so at 10,000 that map grew for almost three
-- hours: the 60-minute soak's +6.8 MB/h of anonymous memory in the sink, reproduced by
-- bench/analytics_memory.py (bench/analytics.md). The window only has to hold the block of an
-- insert that is retried after an ambiguous failure, and the retry comes within the same
-- redelivery (seconds; ack_wait 30 s); 1,000 inserts are more than 15 minutes even when the
-- sink writes a full 5,000-event batch every second. Request ids already in the table are
-- dropped before the insert anyway (writer.py), whatever the window.
ALTER TABLE completion_events MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE usage_hourly MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE provider_hourly MODIFY SETTING non_replicated_deduplication_window = 1000;
