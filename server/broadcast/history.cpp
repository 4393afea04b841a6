#include "broadcast/history.h"

#include <algorithm>

namespace Herald {

History::History(qsizetype capacity)
    : m_capacity(std::max<qsizetype>(0, capacity))
{ }

void History::append(EventPtr event)
{
    m_newestId = std::max(m_newestId, event->id);
    if (m_capacity == 0) {
        m_evictedUpTo = m_newestId;
        return;
    }

    m_events.push_back(std::move(event));
    while (qsizetype(m_events.size()) > m_capacity) {
        m_evictedUpTo = m_events.front()->id;
        m_events.pop_front();
    }
}

void History::startAfter(qint64 id)
{
    m_newestId = std::max(m_newestId, id);
    m_evictedUpTo = std::max(m_evictedUpTo, id);
}

History::Replay History::since(qint64 lastId, const QSet<QString> &topics) const
{
    Replay replay;
    if (lastId > m_newestId || lastId < 0) {
        replay.outcome = Outcome::Gap;
        return replay;
    }
    if (lastId < m_evictedUpTo)
        replay.outcome = Outcome::Gap;

    auto first = std::upper_bound(m_events.begin(), m_events.end(), lastId,
                                  [](qint64 id, const EventPtr &event) { return id < event->id; });
    for (auto it = first; it != m_events.end(); ++it) {
        if (topics.contains((*it)->topic))
            replay.events.push_back(*it);
    }
    return replay;
}

std::vector<EventPtr> History::lastEvents(qsizetype count) const
{
    const qsizetype n = std::min<qsizetype>(count, qsizetype(m_events.size()));
    return std::vector<EventPtr>(m_events.end() - n, m_events.end());
}

} // namespace Herald
