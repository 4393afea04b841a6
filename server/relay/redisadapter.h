#pragma once

#include <functional>

struct redisAsyncContext;
class QSocketNotifier;

namespace Herald {

// Drives one hiredis async context from the Qt event loop with two QSocketNotifiers.
//
// We don't use hiredis's bundled adapters/qt.h: its adapter object outlives the context and its
// destructor writes into a context hiredis has already freed.
//
// Life cycle: attach() creates the adapter and installs it into ac->ev. It must be called before
// redisAsyncSetConnectCallback(), which asks the event library for the first write event; without
// an adapter the connect callback never fires. hiredis owns the adapter from then on: it calls
// ev.cleanup exactly once, from inside the freeing of the context (after a failed connect, a lost
// connection or redisAsyncFree()). The adapter then deletes itself and finally runs the hook given
// to attach(), while the context is still valid but about to be freed by hiredis; the hook must not
// keep the context pointer. Nothing may touch the context after that.
//
// The notifiers may be deleted from inside their own activation (hiredis frees the context from
// within redisAsyncHandleRead/Write); QSocketNotifier guards its own emission against that, and the
// adapter touches none of its members after handing control to hiredis.
class RedisAdapter
{
public:
    using CleanupHook = std::function<void(redisAsyncContext *context)>;

    // Installs a new adapter into context->ev; returns false (and installs nothing) when the
    // context already has an event library attached or has no valid socket.
    static bool attach(redisAsyncContext *context, CleanupHook onCleanup);

    RedisAdapter(const RedisAdapter &) = delete;
    RedisAdapter &operator=(const RedisAdapter &) = delete;

private:
    RedisAdapter(redisAsyncContext *context, CleanupHook onCleanup);
    ~RedisAdapter();

    static void addRead(void *privdata);
    static void delRead(void *privdata);
    static void addWrite(void *privdata);
    static void delWrite(void *privdata);
    static void cleanup(void *privdata);

    void readable();
    void writable();

    redisAsyncContext *m_context;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    CleanupHook m_onCleanup;
};

} // namespace Herald
