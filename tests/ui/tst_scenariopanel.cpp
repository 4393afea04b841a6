// The window's scenario panel: examples, bad files, and runs against a real server.

#include "node/node.h"
#include "scenariopanel.h"

#include <QListWidget>
#include <QSignalSpy>
#include <QTemporaryFile>
#include <QTest>

#include <memory>

using namespace Herald;

class tst_ScenarioPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void examplesAreThere();
    void badFileIsRefusedWithItsPath();
    void goodClientPassesWithATimeline();
    void badClientFails();

private:
    std::unique_ptr<Node> m_node;
};

void tst_ScenarioPanel::init()
{
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    config.broadcast.retryMs = 400; // what the examples' own servers use
    m_node = std::make_unique<Node>(config);
    QString error;
    QVERIFY2(m_node->start(&error), qPrintable(error));
}

void tst_ScenarioPanel::cleanup()
{
    m_node.reset();
}

void tst_ScenarioPanel::examplesAreThere()
{
    const QStringList names = ScenarioPanel::exampleNames();
    QVERIFY(names.contains(QStringLiteral("close")));
    QVERIFY(names.contains(QStringLiteral("bad-never-sends-last-event-id")));
    QVERIFY(names.size() >= 14);
}

void tst_ScenarioPanel::badFileIsRefusedWithItsPath()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    file.write(R"({"name":"x","steps":[{"step":"explode"}]})");
    file.close();

    ScenarioPanel panel;
    QString error;
    QVERIFY(!panel.loadFile(file.fileName(), &error));
    QVERIFY2(error.contains(QLatin1String("$.steps[0]")), qPrintable(error));
    QVERIFY(!panel.scenario().has_value());
    QVERIFY(!panel.loadExample(QStringLiteral("no-such-example"), &error));
}

void tst_ScenarioPanel::goodClientPassesWithATimeline()
{
    ScenarioPanel panel;
    panel.setServerUrl(m_node->url());
    QString error;
    QVERIFY2(panel.loadExample(QStringLiteral("close"), &error), qPrintable(error));

    QSignalSpy finished(&panel, &ScenarioPanel::finished);
    const ScenarioResult result = panel.run();
    QCOMPARE(finished.size(), 1);
    QVERIFY2(result.passed, qPrintable(result.failedChecks().join(QLatin1String(", "))));
    QCOMPARE(panel.verdictText(), QStringLiteral("PASS"));

    // The run went through this server, and the timeline lines the fault up with reconnects.
    QVERIFY(m_node->broadcaster()->metrics().eventsPublished > 0);
    const QStringList timeline = panel.timeline();
    const auto fault = std::find_if(timeline.cbegin(), timeline.cend(), [](const QString &line) {
        return line.contains(QLatin1String("fault close"));
    });
    QVERIFY2(fault != timeline.cend(), qPrintable(timeline.join(QLatin1Char('\n'))));
    QVERIFY(std::any_of(fault, timeline.cend(), [](const QString &line) {
        return line.contains(QLatin1String("reconnects, Last-Event-ID"));
    }));
}

void tst_ScenarioPanel::badClientFails()
{
    ScenarioPanel panel;
    panel.setServerUrl(m_node->url());
    QString error;
    QVERIFY2(panel.loadExample(QStringLiteral("bad-never-sends-last-event-id"), &error),
             qPrintable(error));
    const ScenarioResult result = panel.run();
    QVERIFY(!result.passed);
    QVERIFY(result.asDocumented());
    QCOMPARE(panel.verdictText(), QStringLiteral("FAIL"));
}

QTEST_MAIN(tst_ScenarioPanel)
#include "tst_scenariopanel.moc"
