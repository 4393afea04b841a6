#include "broadcast/event.h"

#include "protocol/frameencoder.h"

namespace Herald {

std::shared_ptr<const Event> Event::make(qint64 id, const EventDraft &draft, qint64 publishedAtMs)
{
    auto event = std::make_shared<Event>();
    event->id = id;
    event->topic = draft.topic;
    event->type = draft.type;
    event->data = draft.data;
    event->retryMs = draft.retryMs;
    event->publishedAtMs = publishedAtMs;
    event->frame = FrameEncoder::event(id, draft.type, draft.data, draft.retryMs);
    return event;
}

} // namespace Herald
