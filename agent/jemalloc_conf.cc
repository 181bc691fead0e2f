// jemalloc's options for cdc-agent, which jemalloc reads as it starts;
// MALLOC_CONF in the environment still overrides each of them. Built only
// when the agent links jemalloc (CDC_ALLOCATOR).
//
// dirty_decay_ms: pages freed and not reused within 1 s go back to the
// system (jemalloc's default is 10 s). With an arena per thread (jemalloc's
// default), pages the reader, encoder or sink thread freed were kept for
// 10 s while the others allocated new ones: in rounds of 1,000,000-change
// MariaDB drains the anonymous peak went from 70-79 MB to 54-56 MB at the
// same rate. Returning them at once (0) halves the rate: every batch then
// faults its pages in again.
//
// narenas:1: one arena for every thread (jemalloc makes four per core) so
// that what one thread frees, another reuses; each thread's cache still
// serves small allocations without the arena's lock. The agent has three or
// four busy threads (the MySQL source's read-ahead) and librdkafka's.
// Together with the shallower queues of 2 batches, rounds of
// 1,000,000-change drains went from 49-57 MB to 36-41 MB anonymous peak on
// MariaDB and from 28-38 MB to 18-21 MB on PostgreSQL, at rates within the
// rounds' spread, on 2 cores; MALLOC_CONF=narenas:4 gives threads arenas of
// their own again on a host where the shared one shows in a profile.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "dirty_decay_ms:1000,narenas:1";
}
