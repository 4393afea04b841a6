// Many virtual clients against one Herald: 200 clients are kicked and reset again and again
// while events are published at a rate, and every one of them must end with every event, once.

#include "scenario/scenario.h"
#include "scenario/scenarioreport.h"
#include "scenario/scenariorunner.h"

#include <QSet>
#include <QTest>

#include <sys/resource.h>

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcTest, "herald.test")

using namespace Herald;

namespace {

// 100 clients get clean closes, 100 get closes and resets, each several times, all while
// 40 events a second go out; the history (5000) holds everything a reconnecting client needs.
// A fault reaches the streams open at that moment: on a busy machine some clients are still
// reconnecting from the previous one, so the reconnection counts asked for are modest.
const char churnScenario[] = R"({
  "name": "churn-200",
  "description": "200 clients reconnecting repeatedly (closes and resets) while publishing at a rate.",
  "timeoutSeconds": 90,
  "server": { "retryMs": 300, "history": 5000, "workers": 2 },
  "steps": [
    { "step": "start", "count": 100, "topics": ["churn"], "group": "closed" },
    { "step": "start", "count": 100, "topics": ["churn"], "group": "reset" },
    { "step": "wait", "until": "connected", "timeoutMs": 30000, "required": true },
    { "step": "publish", "topic": "churn", "rate": 40, "durationMs": 6000, "background": true },
    { "step": "wait", "ms": 300 },
    { "step": "fault", "fault": "close", "repeat": 4, "intervalMs": 1300, "background": true },
    { "step": "wait", "ms": 650 },
    { "step": "fault", "fault": "reset", "group": "reset", "repeat": 4, "intervalMs": 1300,
      "background": true },
    { "step": "wait", "until": "background", "timeoutMs": 30000, "required": true },
    { "step": "wait", "until": "caught-up", "timeoutMs": 30000, "required": true },
    { "step": "expect", "checks": [
        { "check": "no-gaps" },
        { "check": "no-duplicates" },
        { "check": "in-order" },
        { "check": "last-event-id" },
        { "check": "replay", "value": "full" },
        { "check": "reconnects", "group": "closed", "atLeast": 1 },
        { "check": "reconnects", "group": "reset", "atLeast": 2 }
    ] }
  ]
})";

} // namespace

class tst_ScenarioLoad : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void twoHundredClientsChurning();
};

void tst_ScenarioLoad::initTestCase()
{
    // Each client holds two descriptors and the server one more: raise a low soft limit.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 4096) {
        limit.rlim_cur = std::min<rlim_t>(4096, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

void tst_ScenarioLoad::twoHundredClientsChurning()
{
    QString error;
    const std::optional<Scenario> scenario
        = Scenario::fromJson(churnScenario, QStringLiteral("churn-200.json"), &error);
    QVERIFY2(scenario, qPrintable(error));
    ScenarioRunner runner;
    const ScenarioResult result = runner.run(*scenario);
    const QString report = ScenarioReport::text({result});
    qCInfo(lcTest).noquote() << report;
    QVERIFY2(result.passed, qPrintable(report));

    // The verdict, counted again from the raw logs: not one event missed or repeated.
    const RunRecord &record = runner.record();
    QVERIFY(record.published.size() >= 200);
    QSet<qint64> published;
    for (const RunRecord::Published &event : record.published)
        published.insert(event.id);
    QCOMPARE(runner.clients().size(), size_t(200));
    qint64 missed = 0;
    qint64 duplicated = 0;
    int reconnections = 0;
    for (const auto &client : runner.clients()) {
        const ClientLog &log = client->log();
        QSet<qint64> seen;
        for (const ClientLog::Event &event : log.events) {
            const qint64 id = event.id.toLongLong();
            duplicated += int(seen.contains(id));
            seen.insert(id);
        }
        // Every client was connected before the first event: it is owed all of them.
        for (qint64 id : published)
            missed += int(!seen.contains(id));
        reconnections += log.opens() - 1;
    }
    QCOMPARE(missed, qint64(0));
    QCOMPARE(duplicated, qint64(0));
    QVERIFY2(reconnections >= 100 * 1 + 100 * 2, qPrintable(QString::number(reconnections)));
}

QTEST_GUILESS_MAIN(tst_ScenarioLoad)
#include "tst_scenarioload.moc"
