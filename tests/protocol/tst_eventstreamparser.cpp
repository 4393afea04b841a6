#include "protocol/eventstreamparser.h"

#include <QTest>

#include <climits>
#include <functional>
#include <vector>

using Herald::EventStreamParser;
using Herald::SseEvent;
using Events = std::vector<SseEvent>;

Q_DECLARE_METATYPE(Events)

namespace {

constexpr int NoRetry = -1;

// A QByteArray of a literal, embedded NULs included.
template<qsizetype N> QByteArray bytes(const char (&literal)[N])
{
    return QByteArray(literal, N - 1);
}

SseEvent ev(const QByteArray &type, const QByteArray &data, const QByteArray &lastEventId = {})
{
    return SseEvent{type, data, lastEventId};
}

SseEvent msg(const QByteArray &data, const QByteArray &lastEventId = {})
{
    return ev("message", data, lastEventId);
}

// Everything a run of the parser can be judged on.
struct Outcome
{
    Events events;
    QByteArrayList comments;
    int retry = NoRetry;
    QByteArray lastEventId;

    bool operator==(const Outcome &other) const
    {
        return events == other.events && comments == other.comments && retry == other.retry
            && lastEventId == other.lastEventId;
    }
    bool operator!=(const Outcome &other) const { return !(*this == other); }
};

// Bytes made readable for failure messages: CR, LF, NUL and non-ASCII are escaped.
QByteArray show(const QByteArray &text)
{
    QByteArray out = "\"";
    for (const char c : text) {
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' || c == '\\')
            out += QByteArray("\\") + c;
        else if (c >= 0x20 && c < 0x7f)
            out += c;
        else
            out += "\\x" + QByteArray::number(uchar(c), 16).rightJustified(2, '0');
    }
    return out + '"';
}

QByteArray show(const Outcome &outcome)
{
    QByteArray out = "events [";
    for (const SseEvent &event : outcome.events)
        out += " {type " + show(event.type) + ", data " + show(event.data) + ", id "
            + show(event.lastEventId) + '}';
    out += " ], comments [";
    for (const QByteArray &comment : outcome.comments)
        out += ' ' + show(comment);
    out += " ], retry " + QByteArray::number(outcome.retry) + ", lastEventId "
        + show(outcome.lastEventId);
    return out;
}

// Runs a fresh parser over the streams (one per connection, endOfStream() after each), letting
// feedStream decide how each stream is cut into feeds.
Outcome run(const QByteArrayList &streams,
            const std::function<void(EventStreamParser &, const QByteArray &)> &feedStream)
{
    EventStreamParser parser;
    for (const QByteArray &stream : streams) {
        feedStream(parser, stream);
        parser.endOfStream();
    }
    Outcome outcome;
    outcome.events = parser.takeEvents();
    outcome.comments = parser.takeComments();
    outcome.retry = parser.retry().value_or(NoRetry);
    outcome.lastEventId = parser.lastEventId();
    return outcome;
}

} // namespace

class TestEventStreamParser : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void takeEmptiesQueues();
    void largeStream();

private:
    void addRow(const char *name, const QByteArrayList &streams, const Events &events,
                const QByteArray &lastEventId = {}, const QByteArrayList &comments = {},
                int retry = NoRetry);
};

void TestEventStreamParser::addRow(const char *name, const QByteArrayList &streams,
                                   const Events &events, const QByteArray &lastEventId,
                                   const QByteArrayList &comments, int retry)
{
    QTest::newRow(name) << streams << events << lastEventId << comments << retry;
}

// One row per rule of HTML Living Standard 9.2.6. Each list item is one connection.
void TestEventStreamParser::parse_data()
{
    QTest::addColumn<QByteArrayList>("streams");
    QTest::addColumn<Events>("events");
    QTest::addColumn<QByteArray>("lastEventId");
    QTest::addColumn<QByteArrayList>("comments");
    QTest::addColumn<int>("retry");

    // Line ends.
    addRow("lf line ends", {"data: a\n\ndata: b\n\n"}, {msg("a"), msg("b")});
    addRow("crlf line ends", {"data: a\r\ndata: b\r\n\r\n"}, {msg("a\nb")});
    addRow("lone cr", {"data: a\rdata: b\r\rdata: c\r\r"}, {msg("a\nb"), msg("c")});
    addRow("lf cr is two line ends", {"data: a\n\rdata: b\n\r"}, {msg("a"), msg("b")});
    addRow("mixed line ends", {"data: a\r\ndata: b\ndata: c\r\n\rid: 1\r\rdata: d\n\r\n"},
           {msg("a\nb\nc"), msg("d", "1")}, "1");
    addRow("blank lines only", {"\n\n\r\n\r\r\n"}, {});
    addRow("empty stream", {""}, {});

    // Byte order mark.
    addRow("bom stripped",
           {"\xEF\xBB\xBF"
            "data: a\n\n"},
           {msg("a")});
    addRow("bom stripped once",
           {"\xEF\xBB\xBF\xEF\xBB\xBF"
            "data: a\n\ndata: b\n\n"},
           {msg("b")});
    addRow("second bom kept as data",
           {"\xEF\xBB\xBF"
            "data: \xEF\xBB\xBF"
            "x\n\n"},
           {msg("\xEF\xBB\xBF"
                "x")});
    addRow("bom after first line kept",
           {"data: a\n\n\xEF\xBB\xBF"
            "data: b\n\n"},
           {msg("a")});
    addRow("partial bom kept",
           {"\xEF\xBB"
            "data: a\n\ndata: b\n\n"},
           {msg("b")});
    addRow("bom stripped after reconnect",
           {"\xEF\xBB\xBF"
            "data: a\n\n",
            "\xEF\xBB\xBF"
            "data: b\n\n"},
           {msg("a"), msg("b")});

    // Comments.
    addRow("comment", {":hello\n: world\n:\ndata: a\n\n"}, {msg("a")}, {}, {"hello", " world", ""});
    addRow("comment inside event", {"data: a\n:keep-alive\ndata: b\n\n"}, {msg("a\nb")}, {},
           {"keep-alive"});
    addRow("comment with colons", {"::x: y\r\n"}, {}, {}, {":x: y"});
    addRow("unterminated comment dropped", {":partial"}, {});

    // Field parsing.
    addRow("field without colon", {"data\n\n"}, {msg("")});
    addRow("field without colon twice", {"data\ndata\n\n"}, {msg("\n")});
    addRow("one space removed only", {"data:  two\n\n"}, {msg(" two")});
    addRow("no space after colon", {"data:x\n\n"}, {msg("x")});
    addRow("tab not removed", {"data:\tx\n\n"}, {msg("\tx")});
    addRow("trailing space kept", {"data: x \n\n"}, {msg("x ")});
    addRow("colon in value kept", {"data: a: b\n\n"}, {msg("a: b")});
    addRow("space before colon is part of name", {"data : x\n\ndata: y\n\n"}, {msg("y")});
    addRow("field names case sensitive", {"Data: x\n\nDATA: y\n\ndata: z\n\n"}, {msg("z")});
    addRow("unknown field ignored", {"foo: bar\ndata: x\nfoo\nretryx: 5\n\n"}, {msg("x")});

    // event
    addRow("event type default message", {"data: x\n\n"}, {msg("x")});
    addRow("event type set", {"event: ping\ndata: x\n\n"}, {ev("ping", "x")});
    addRow("last event field wins", {"event: a\nevent: b\ndata: x\n\n"}, {ev("b", "x")});
    addRow("empty event type means message", {"event: a\nevent:\ndata: x\n\n"}, {msg("x")});
    addRow("event type reset after dispatch", {"event: a\ndata: 1\n\ndata: 2\n\n"},
           {ev("a", "1"), msg("2")});

    // data
    addRow("data empty not dispatched", {"event: a\nid: 3\n\ndata: 2\n\n"}, {msg("2", "3")}, "3");
    addRow("empty data field dispatches", {"data:\n\n"}, {msg("")});
    addRow("multi-line data", {"data: a\ndata: b\ndata: c\n\n"}, {msg("a\nb\nc")});
    addRow("only final lf removed", {"data: a\ndata\ndata\n\n"}, {msg("a\n\n")});
    addRow("data keeps raw bytes", {bytes("data: h\xC3\xA9llo \xFF\0 end\n\n")},
           {msg(bytes("h\xC3\xA9llo \xFF\0 end"))});

    // id
    addRow("id", {"id: 42\ndata: a\n\n"}, {msg("a", "42")}, "42");
    addRow("id persists across events", {"id: 1\ndata: a\n\ndata: b\n\n"},
           {msg("a", "1"), msg("b", "1")}, "1");
    addRow("id after data applies", {"data: a\nid: 9\n\n"}, {msg("a", "9")}, "9");
    addRow("id spaces kept", {"id:  7 \ndata: a\n\n"}, {msg("a", " 7 ")}, " 7 ");
    addRow("id with NUL ignored", {bytes("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n")},
           {msg("a", "1"), msg("b", "1")}, "1");
    addRow("empty id resets", {"id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\n\nid:\ndata: c\n\n"},
           {msg("a", "1"), msg("b", ""), msg("c", "")}, "");
    addRow("id set without event", {"id: 5\n\n"}, {}, "5");
    addRow("id without blank line not committed", {"id: 1\ndata: a\n\nid: 2\n"}, {msg("a", "1")},
           "1");
    addRow("uncommitted id dropped at reconnect", {"id: 1\ndata: a\n\nid: 2\n", "data: b\n\n"},
           {msg("a", "1"), msg("b", "1")}, "1");
    addRow("last event id persists across reconnect", {"id: 1\ndata: a\n\n", "data: b\n\n"},
           {msg("a", "1"), msg("b", "1")}, "1");

    // retry
    addRow("retry", {"retry: 1500\n"}, {}, {}, {}, 1500);
    addRow("retry non-digits ignored",
           {"retry: 1500\nretry: 15x\nretry: -1\nretry: 1.5\nretry: +2\nretry:  20\nretry: 20 \n"},
           {}, {}, {}, 1500);
    addRow("retry empty ignored", {"retry: 7\nretry:\nretry\n"}, {}, {}, {}, 7);
    addRow("retry last valid wins", {"retry: 100\nretry: 0042\n"}, {}, {}, {}, 42);
    addRow("retry zero", {"retry: 0\n"}, {}, {}, {}, 0);
    addRow("retry clamped", {"retry: 99999999999999999999\n"}, {}, {}, {}, INT_MAX);
    addRow("retry does not dispatch", {"data: a\nretry: 10\n\n"}, {msg("a")}, {}, {}, 10);
    addRow("unterminated retry line dropped", {"retry: 300"}, {});
    addRow("retry persists across reconnect", {"retry: 300\n", "data: a\n\n"}, {msg("a")}, {}, {},
           300);

    // End of stream.
    addRow("unterminated event at end discarded", {"data: a\n"}, {});
    addRow("unterminated event not carried over", {"event: x\ndata: a\n", "data: b\n\n"},
           {msg("b")});
    addRow("partial line dropped at end", {"data: a\n\ndata: b", "\n\n"}, {msg("a")});
    addRow("no blank line after last event", {"data: a\n\ndata: b\n"}, {msg("a")});
}

void TestEventStreamParser::parse()
{
    QFETCH(QByteArrayList, streams);
    QFETCH(Events, events);
    QFETCH(QByteArray, lastEventId);
    QFETCH(QByteArrayList, comments);
    QFETCH(int, retry);

    Outcome expected;
    expected.events = events;
    expected.comments = comments;
    expected.retry = retry;
    expected.lastEventId = lastEventId;

    // Empty when the outcome is the expected one, else a readable account of the difference.
    const auto mismatch = [&](const Outcome &actual, const QByteArray &how) -> QByteArray {
        if (actual == expected)
            return QByteArray();
        return "fed " + how + "\n   Actual: " + show(actual) + "\n Expected: " + show(expected);
    };
    QByteArray failure;

    failure = mismatch(run(streams, [](EventStreamParser &p, const QByteArray &s) { p.feed(s); }),
                       "whole");
    QVERIFY2(failure.isEmpty(), failure.constData());

    qsizetype longest = 0;
    for (const QByteArray &stream : streams)
        longest = std::max(longest, stream.size());
    for (qsizetype at = 0; at <= longest; ++at) {
        const auto splitAt = [at](EventStreamParser &p, const QByteArray &s) {
            const qsizetype cut = std::min(at, s.size());
            p.feed(QByteArrayView(s).first(cut));
            p.feed(QByteArrayView(s).sliced(cut));
        };
        failure
            = mismatch(run(streams, splitAt), "in two chunks split at " + QByteArray::number(at));
        QVERIFY2(failure.isEmpty(), failure.constData());
    }

    const auto byteByByte = [](EventStreamParser &p, const QByteArray &s) {
        for (const char c : s)
            p.feed(QByteArrayView(&c, 1));
    };
    failure = mismatch(run(streams, byteByByte), "one byte at a time");
    QVERIFY2(failure.isEmpty(), failure.constData());

    // Empty feeds must not disturb pending state such as a CR waiting for its LF.
    const auto withEmptyFeeds = [](EventStreamParser &p, const QByteArray &s) {
        p.feed(QByteArrayView());
        for (const char c : s) {
            p.feed(QByteArrayView(&c, 1));
            p.feed(QByteArrayView());
        }
    };
    failure = mismatch(run(streams, withEmptyFeeds), "one byte at a time with empty feeds");
    QVERIFY2(failure.isEmpty(), failure.constData());
}

void TestEventStreamParser::takeEmptiesQueues()
{
    EventStreamParser parser;
    QCOMPARE(parser.lastEventId(), QByteArray());
    QVERIFY(!parser.retry().has_value());

    parser.feed("data: a\n\n:c\n");
    QCOMPARE(parser.takeEvents(), Events{msg("a")});
    QCOMPARE(parser.takeComments(), QByteArrayList{"c"});
    QVERIFY(parser.takeEvents().empty());
    QVERIFY(parser.takeComments().isEmpty());

    parser.feed("event: e\ndata: b\n\n");
    QCOMPARE(parser.takeEvents(), Events{ev("e", "b")});
    QVERIFY(parser.takeComments().isEmpty());
}

// Megabytes must be parsed in linear time: a parser that rescans or copies its pending buffer
// on every feed would need hundreds of gigabytes of work here and hit the test timeout.
void TestEventStreamParser::largeStream()
{
    const QByteArray big(4 * 1024 * 1024, 'x');
    constexpr int smallEvents = 50000;
    QByteArray stream;
    stream += "data: ";
    stream += big;
    stream += "\r\n:";
    stream += big;
    stream += "\r\n\r\n";
    for (int i = 0; i < smallEvents; ++i) {
        const QByteArray n = QByteArray::number(i);
        stream += "id: ";
        stream += n;
        stream += "\r\ndata: ";
        stream += n;
        stream += "\r\n\r\n";
    }

    EventStreamParser parser;
    constexpr qsizetype chunk = 16;
    for (qsizetype at = 0; at < stream.size(); at += chunk)
        parser.feed(QByteArrayView(stream).sliced(at, std::min(chunk, stream.size() - at)));

    const Events events = parser.takeEvents();
    QCOMPARE(events.size(), std::size_t(smallEvents + 1));
    QCOMPARE(events.front().data.size(), big.size());
    QCOMPARE(events.front().data, big);
    QCOMPARE(events[1].data, QByteArray("0"));
    QCOMPARE(events.back().data, QByteArray::number(smallEvents - 1));
    QCOMPARE(events.back().lastEventId, QByteArray::number(smallEvents - 1));
    const QByteArrayList comments = parser.takeComments();
    QCOMPARE(comments.size(), 1);
    QCOMPARE(comments.front(), big);
}

QTEST_APPLESS_MAIN(TestEventStreamParser)

#include "tst_eventstreamparser.moc"
