// Feeds arbitrary bytes to the event-stream parser, split where the input says, and checks that
// splitting never changes what comes out.

#include "protocol/eventstreamparser.h"

#include <cstdint>
#include <cstdlib>

namespace {

struct Outcome
{
    std::vector<Herald::SseEvent> events;
    QList<QByteArray> comments;
    QByteArray lastEventId;
    std::optional<int> retry;
};

Outcome run(QByteArrayView input, qsizetype chunk)
{
    Herald::EventStreamParser parser;
    Outcome outcome;
    for (qsizetype at = 0; at < input.size(); at += chunk) {
        parser.feed(input.sliced(at, std::min(chunk, input.size() - at)));
        for (auto &event : parser.takeEvents())
            outcome.events.push_back(std::move(event));
        outcome.comments += parser.takeComments();
    }
    parser.endOfStream();
    for (auto &event : parser.takeEvents())
        outcome.events.push_back(std::move(event));
    outcome.comments += parser.takeComments();
    outcome.lastEventId = parser.lastEventId();
    outcome.retry = parser.retry();
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const qsizetype chunk = 1 + data[0] % 16;
    const QByteArrayView input(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));

    const Outcome whole = run(input, std::max<qsizetype>(1, input.size()));
    const Outcome split = run(input, chunk);
    if (whole.events.size() != split.events.size() || whole.comments != split.comments
        || whole.lastEventId != split.lastEventId || whole.retry != split.retry)
        std::abort();
    for (size_t i = 0; i < whole.events.size(); ++i) {
        if (whole.events[i] != split.events[i])
            std::abort();
    }
    return 0;
}
