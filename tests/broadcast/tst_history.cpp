#include "broadcast/history.h"

#include <QTest>

using namespace Herald;

namespace {

// A history holding ids from..to, topics alternating "a" and "b" (odd ids on "a").
History filled(qsizetype capacity, qint64 to)
{
    History history(capacity);
    for (qint64 id = 1; id <= to; ++id) {
        EventDraft draft;
        draft.topic = id % 2 ? QStringLiteral("a") : QStringLiteral("b");
        draft.data = QByteArray::number(id);
        history.append(Event::make(id, draft, 0));
    }
    return history;
}

QList<qint64> idsOf(const History::Replay &replay)
{
    QList<qint64> ids;
    for (const EventPtr &event : replay.events)
        ids.append(event->id);
    return ids;
}

} // namespace

class tst_History : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void since_data();
    void since();
    void wrapAround();
    void zeroCapacity();
    void afterAnEarlierRun_data();
    void afterAnEarlierRun();
};

void tst_History::since_data()
{
    QTest::addColumn<qsizetype>("capacity");
    QTest::addColumn<qint64>("published");
    QTest::addColumn<qint64>("lastId");
    QTest::addColumn<QStringList>("topics");
    QTest::addColumn<bool>("full");
    QTest::addColumn<QList<qint64>>("ids");

    const QStringList both = {QStringLiteral("a"), QStringLiteral("b")};
    const QStringList onlyA = {QStringLiteral("a")};

    QTest::newRow("up to date") << qsizetype(10) << qint64(5) << qint64(5) << both << true
                                << QList<qint64>{};
    QTest::newRow("missed two") << qsizetype(10) << qint64(5) << qint64(3) << both << true
                                << QList<qint64>{4, 5};
    QTest::newRow("from zero, nothing evicted")
        << qsizetype(10) << qint64(3) << qint64(0) << both << true << QList<qint64>{1, 2, 3};
    QTest::newRow("topic filter") << qsizetype(10) << qint64(6) << qint64(1) << onlyA << true
                                  << QList<qint64>{3, 5};
    QTest::newRow("oldest retained boundary")
        << qsizetype(3) << qint64(10) << qint64(7) << both << true << QList<qint64>{8, 9, 10};
    QTest::newRow("one too old") << qsizetype(3) << qint64(10) << qint64(6) << both << false
                                 << QList<qint64>{8, 9, 10};
    QTest::newRow("far too old") << qsizetype(3) << qint64(10) << qint64(1) << both << false
                                 << QList<qint64>{8, 9, 10};
    QTest::newRow("ahead of newest")
        << qsizetype(10) << qint64(5) << qint64(6) << both << false << QList<qint64>{};
    QTest::newRow("empty history, id zero")
        << qsizetype(10) << qint64(0) << qint64(0) << both << true << QList<qint64>{};
    QTest::newRow("negative id") << qsizetype(10) << qint64(5) << qint64(-1) << both << false
                                 << QList<qint64>{};
}

void tst_History::since()
{
    QFETCH(qsizetype, capacity);
    QFETCH(qint64, published);
    QFETCH(qint64, lastId);
    QFETCH(QStringList, topics);
    QFETCH(bool, full);
    QFETCH(QList<qint64>, ids);

    const History history = filled(capacity, published);
    const History::Replay replay
        = history.since(lastId, QSet<QString>(topics.cbegin(), topics.cend()));
    QCOMPARE(replay.outcome == History::Outcome::Full, full);
    QCOMPARE(idsOf(replay), ids);
}

void tst_History::wrapAround()
{
    // Many times the capacity: only the newest stay, in order, and the eviction mark follows.
    const History history = filled(100, 12345);
    QCOMPARE(history.size(), qsizetype(100));
    QCOMPARE(history.oldestId(), qint64(12246));
    QCOMPARE(history.newestId(), qint64(12345));
    QCOMPARE(history.evictedUpTo(), qint64(12245));
    const History::Replay replay = history.since(12245, {QStringLiteral("a"), QStringLiteral("b")});
    QCOMPARE(replay.outcome, History::Outcome::Full);
    QCOMPARE(qsizetype(replay.events.size()), qsizetype(100));
    QCOMPARE(history.since(12244, {QStringLiteral("a")}).outcome, History::Outcome::Gap);
}

void tst_History::zeroCapacity()
{
    const History history = filled(0, 4);
    QCOMPARE(history.size(), qsizetype(0));
    QCOMPARE(history.newestId(), qint64(4));
    QCOMPARE(history.since(4, {QStringLiteral("a")}).outcome, History::Outcome::Full);
    QCOMPARE(history.since(3, {QStringLiteral("a")}).outcome, History::Outcome::Gap);
}

void tst_History::afterAnEarlierRun_data()
{
    QTest::addColumn<qint64>("lastId");
    QTest::addColumn<bool>("full");
    QTest::addColumn<QList<qint64>>("ids");

    // An earlier run handed out ids up to 100; this one published 101 to 103.
    QTest::newRow("id of the earlier run") << qint64(42) << false << QList<qint64>{101, 102, 103};
    QTest::newRow("just below the mark") << qint64(99) << false << QList<qint64>{101, 102, 103};
    QTest::newRow("the mark itself") << qint64(100) << true << QList<qint64>{101, 102, 103};
    QTest::newRow("id of this run") << qint64(102) << true << QList<qint64>{103};
    QTest::newRow("no id at all") << qint64(0) << false << QList<qint64>{101, 102, 103};
}

void tst_History::afterAnEarlierRun()
{
    QFETCH(qint64, lastId);
    QFETCH(bool, full);
    QFETCH(QList<qint64>, ids);

    History history(10);
    history.startAfter(100);
    QCOMPARE(history.newestId(), qint64(100));
    // Before anything is published, an id of the earlier run is already a gap.
    QCOMPARE(history.since(42, {QStringLiteral("a")}).outcome, History::Outcome::Gap);
    for (qint64 id = 101; id <= 103; ++id) {
        EventDraft draft;
        draft.topic = QStringLiteral("a");
        history.append(Event::make(id, draft, 0));
    }
    const History::Replay replay = history.since(lastId, {QStringLiteral("a")});
    QCOMPARE(replay.outcome == History::Outcome::Full, full);
    QCOMPARE(idsOf(replay), ids);
}

QTEST_GUILESS_MAIN(tst_History)
#include "tst_history.moc"
