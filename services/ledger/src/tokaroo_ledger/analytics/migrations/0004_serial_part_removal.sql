-- Outdated parts are removed by the table's cleanup thread, one after another, instead of by
-- a pool of up to 128 threads once more than 100 wait (the default threshold). The sink
-- inserts about once a second into three tables, so that many parts pile up between two
-- cleanups (chdb removes them at once: old_parts_lifetime 0). Each burst grew the global
-- thread pool to about 150 threads that then stay idle; in the embedded engine every pool
-- thread that ever ran a job keeps three /proc/<pid>/task/<tid> files open, so the sink's
-- descriptors and memory crept up for hours (issue #20's soak: +370 descriptors/h). Removing
-- a few hundred small parts one by one takes well under a second on a server too.
ALTER TABLE completion_events MODIFY SETTING concurrent_part_removal_threshold = 1000000000;
ALTER TABLE usage_hourly MODIFY SETTING concurrent_part_removal_threshold = 1000000000;
ALTER TABLE provider_hourly MODIFY SETTING concurrent_part_removal_threshold = 1000000000;
