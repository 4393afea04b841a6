#pragma once

#include "broadcast/event.h"

#include <QSet>
#include <QString>

#include <deque>
#include <vector>

namespace Herald {

// The last N published events, oldest first, for clients that resume with Last-Event-ID.
// Ids only grow, so lookups are binary searches.
class History
{
public:
    enum class Outcome {
        Full, // every event after the given id is still here
        Gap // some are not: evicted, or the id is unknown, malformed or ahead of the newest
    };

    struct Replay
    {
        Outcome outcome = Outcome::Full;
        std::vector<EventPtr> events;
    };

    explicit History(qsizetype capacity);

    void append(EventPtr event);
    // Ids up to `id` were handed out by an earlier run of this node: none of those events is
    // here, so a client resuming from one of them has a gap. Call before the first append().
    void startAfter(qint64 id);

    // Events of the given topics with an id above lastId, oldest first. When some were evicted
    // the rest is still replayed and the outcome says Gap; an id ahead of the newest replays
    // nothing, since the client comes from another sequence.
    Replay since(qint64 lastId, const QSet<QString> &topics) const;

    qsizetype capacity() const { return m_capacity; }
    qsizetype size() const { return qsizetype(m_events.size()); }
    qint64 newestId() const { return m_newestId; }
    qint64 oldestId() const { return m_events.empty() ? 0 : m_events.front()->id; }
    // The highest id that was dropped to make room (0 while nothing was).
    qint64 evictedUpTo() const { return m_evictedUpTo; }
    std::vector<EventPtr> lastEvents(qsizetype count) const;

private:
    qsizetype m_capacity;
    std::deque<EventPtr> m_events;
    qint64 m_newestId = 0;
    qint64 m_evictedUpTo = 0;
};

} // namespace Herald
