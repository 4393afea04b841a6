#include "redisadapter.h"

#include <QSocketNotifier>

#include <hiredis/async.h>

namespace Herald {

bool RedisAdapter::attach(redisAsyncContext *context, CleanupHook onCleanup)
{
    if (!context || context->ev.data || context->c.fd < 0)
        return false;
    auto *adapter = new RedisAdapter(context, std::move(onCleanup));
    context->ev.data = adapter;
    context->ev.addRead = &RedisAdapter::addRead;
    context->ev.delRead = &RedisAdapter::delRead;
    context->ev.addWrite = &RedisAdapter::addWrite;
    context->ev.delWrite = &RedisAdapter::delWrite;
    context->ev.cleanup = &RedisAdapter::cleanup;
    return true;
}

RedisAdapter::RedisAdapter(redisAsyncContext *context, CleanupHook onCleanup)
    : m_context(context)
    , m_onCleanup(std::move(onCleanup))
{
    const int fd = context->c.fd;
    m_read = new QSocketNotifier(fd, QSocketNotifier::Read);
    m_read->setEnabled(false);
    m_write = new QSocketNotifier(fd, QSocketNotifier::Write);
    m_write->setEnabled(false);
    // Nothing after redisAsyncHandleRead/Write may touch the adapter: it may be gone by then.
    QObject::connect(m_read, &QSocketNotifier::activated, m_read, [this] { readable(); });
    QObject::connect(m_write, &QSocketNotifier::activated, m_write, [this] { writable(); });
}

RedisAdapter::~RedisAdapter()
{
    // Disabled first so the dispatcher forgets the descriptor before hiredis closes it.
    m_read->setEnabled(false);
    m_write->setEnabled(false);
    delete m_read;
    delete m_write;
}

void RedisAdapter::addRead(void *privdata)
{
    static_cast<RedisAdapter *>(privdata)->m_read->setEnabled(true);
}

void RedisAdapter::delRead(void *privdata)
{
    static_cast<RedisAdapter *>(privdata)->m_read->setEnabled(false);
}

void RedisAdapter::addWrite(void *privdata)
{
    static_cast<RedisAdapter *>(privdata)->m_write->setEnabled(true);
}

void RedisAdapter::delWrite(void *privdata)
{
    static_cast<RedisAdapter *>(privdata)->m_write->setEnabled(false);
}

void RedisAdapter::cleanup(void *privdata)
{
    auto *adapter = static_cast<RedisAdapter *>(privdata);
    redisAsyncContext *context = adapter->m_context;
    CleanupHook hook = std::move(adapter->m_onCleanup);
    // Unhook from the context first: hiredis must find no adapter if anything calls back.
    context->ev.data = nullptr;
    context->ev.addRead = nullptr;
    context->ev.delRead = nullptr;
    context->ev.addWrite = nullptr;
    context->ev.delWrite = nullptr;
    context->ev.cleanup = nullptr;
    delete adapter;
    if (hook)
        hook(context);
}

void RedisAdapter::readable()
{
    redisAsyncHandleRead(m_context);
}

void RedisAdapter::writable()
{
    redisAsyncHandleWrite(m_context);
}

} // namespace Herald
