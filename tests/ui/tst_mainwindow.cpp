// The console window end to end: a real server on a free loopback port behind the window's
// NodeHost, real subscriber sockets, the window offscreen and driven as a user would.

#include "clientsmodel.h"
#include "clientsproxymodel.h"
#include "composer.h"
#include "eventlogmodel.h"
#include "eventticker.h"
#include "faultpanel.h"
#include "mainwindow.h"
#include "nodesview.h"
#include "presenterview.h"
#include "qrcodewidget.h"
#include "redisprocess.h"
#include "testsupport.h"
#include "throughputchart.h"
#include "wireview.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Herald;
using namespace Herald::Test;

class tst_MainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void clientAppearsAndLeaves();
    void composerPublishesWhatWasTyped();
    void templateVariablesExpand();
    void templatesAreSavedByName();
    void kickFromTheTable();
    void faultPanelActsOnTheSelection();
    void directMessageToTheSelectedClient();
    void wireViewShowsTheSelectedClientsBytes();
    void chartSeriesGrowWhileEventsFlow();
    void chartExports();
    void presenterModeToggles();
    void modelsStayConsistentUnderTraffic();
    void crowdedOriginIsFlagged();
    void relayNotConfigured();
    void relayAndNodesAreShown();
    void closingStopsTheServerCleanly();

private:
    std::unique_ptr<RawHttpClient> subscribe(const QByteArray &target,
                                             const QList<QByteArray> &headers = {});
    quint16 port() const { return quint16(m_window->host()->url().port()); }
    bool selectClient(quint64 id);

    std::unique_ptr<MainWindow> m_window;
};

void tst_MainWindow::initTestCase()
{
    // Settings go to a throwaway place, never the user's.
    QStandardPaths::setTestModeEnabled(true);
}

void tst_MainWindow::init()
{
    QSettings().clear();
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 2;
    config.broadcast.nodeId = QStringLiteral("ui-test");
    m_window = std::make_unique<MainWindow>(config);
    m_window->host()->setSnapshotInterval(50);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QSignalSpy started(m_window->host(), &NodeHost::started);
    m_window->startServer();
    QVERIFY(started.wait(5000));
    QVERIFY(port() > 0);
}

void tst_MainWindow::cleanup()
{
    m_window.reset();
}

std::unique_ptr<RawHttpClient> tst_MainWindow::subscribe(const QByteArray &target,
                                                         const QList<QByteArray> &headers)
{
    auto client = std::make_unique<RawHttpClient>(port());
    if (!client->connectToServer())
        return nullptr;
    client->get(target, headers);
    if (!client->waitForHead() || client->status() != 200)
        return nullptr;
    // Live once the table lists it.
    const quint64 id = client->header("herald-client-id").toULongLong();
    if (!QTest::qWaitFor([&] { return m_window->clientsModel()->rowOf(id) >= 0; }))
        return nullptr;
    return client;
}

bool tst_MainWindow::selectClient(quint64 id)
{
    const int row = m_window->clientsModel()->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index
        = m_window->clientsProxy()->mapFromSource(m_window->clientsModel()->index(row, 0));
    QTableView *view = m_window->clientsView();
    view->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return m_window->selectedClientIds() == QList<quint64>{id};
}

void tst_MainWindow::clientAppearsAndLeaves()
{
    ClientsModel *model = m_window->clientsModel();
    QCOMPARE(model->rowCount(), 0);

    auto client = subscribe("/events?topic=news&topic=sport",
                            {"User-Agent: console-test/1.0", "Last-Event-ID: 0"});
    QVERIFY(client);
    QCOMPARE(model->rowCount(), 1);
    const quint64 id = client->header("herald-client-id").toULongLong();
    QCOMPARE(model->clientId(0), id);
    auto cell = [model](int column) {
        return model->index(0, column).data().toString();
    };
    QCOMPARE(cell(ClientsModel::NodeColumn), QStringLiteral("ui-test"));
    QCOMPARE(cell(ClientsModel::UserAgentColumn), QStringLiteral("console-test/1.0"));
    QCOMPARE(cell(ClientsModel::TopicsColumn), QStringLiteral("news, sport"));
    QCOMPARE(cell(ClientsModel::LastEventIdColumn), QStringLiteral("0"));
    QCOMPARE(cell(ClientsModel::StateColumn), QStringLiteral("streaming"));
    QVERIFY(cell(ClientsModel::RemoteColumn).startsWith(QLatin1String("127.0.0.1:")));
    QCOMPARE(m_window->clientsView()->model()->rowCount(), 1);

    client->socket().disconnectFromHost();
    QTRY_COMPARE(model->rowCount(), 0);
}

void tst_MainWindow::composerPublishesWhatWasTyped()
{
    auto client = subscribe("/events?topic=news");
    QVERIFY(client);
    QVERIFY(client->waitForBodyContaining("\n\n"));

    Composer *composer = m_window->composer();
    composer->setDraft(QStringLiteral("news"), QStringLiteral("headline"),
                       QStringLiteral("Hello\nworld"));
    auto *publish = composer->findChild<QPushButton *>(QStringLiteral("publishButton"));
    QVERIFY(publish);
    QTest::mouseClick(publish, Qt::LeftButton);

    QVERIFY(client->waitForBodyContaining("\n\nid: 1"));
    QTRY_COMPARE(client->frames(),
                 QList<QByteArray>{"id: 1\nevent: headline\ndata: Hello\ndata: world\n"});
    // And the event log shows it as published.
    QTRY_COMPARE(m_window->eventLogModel()->rowCount(), 1);
    QCOMPARE(m_window->eventLogModel()->event(0)->topic, QStringLiteral("news"));

    // A bad topic reaches no one.
    composer->setDraft(QStringLiteral("no spaces"), QStringLiteral("x"), QStringLiteral("y"));
    composer->publishOnce();
    auto *result = composer->findChild<QLabel *>(QStringLiteral("composerResult"));
    QVERIFY(result->text().contains(QLatin1String("topic")));
}

void tst_MainWindow::templateVariablesExpand()
{
    auto client = subscribe("/events?topic=tpl");
    QVERIFY(client);
    Composer *composer = m_window->composer();
    composer->setDraft(QStringLiteral("tpl"), QStringLiteral("tick"),
                       QStringLiteral("n={{counter}} i={{index}} on={{topic}} u={{uuid}}"));
    composer->publishMany(3);
    QTRY_COMPARE(client->frames().size(), 3);
    const QRegularExpression uuid(QStringLiteral("u=[0-9a-f-]{36}\n$"));
    for (int i = 0; i < 3; ++i) {
        const QByteArray frame = client->frames()[i];
        const QByteArray expected = "id: " + QByteArray::number(i + 1) + "\nevent: tick\ndata: n="
            + QByteArray::number(i + 1) + " i=" + QByteArray::number(i) + " on=tpl u=";
        QVERIFY2(frame.startsWith(expected), frame.constData());
        QVERIFY2(uuid.match(QString::fromUtf8(frame)).hasMatch(), frame.constData());
    }
    QVERIFY(client->frames()[0] != client->frames()[1]);

    // The counter goes on across publishes.
    composer->setDraft(QStringLiteral("tpl"), QStringLiteral("message"),
                       QStringLiteral("{{counter}}"));
    composer->publishOnce();
    QTRY_COMPARE(client->frames().size(), 4);
    QCOMPARE(client->frames()[3], QByteArray("id: 4\ndata: 4\n"));
}

void tst_MainWindow::templatesAreSavedByName()
{
    Composer *composer = m_window->composer();
    composer->setDraft(QStringLiteral("alerts"), QStringLiteral("alarm"),
                       QStringLiteral("{\"at\": \"{{time}}\"}"));
    composer->saveTemplate(QStringLiteral("alarm"));
    composer->setDraft(QStringLiteral("other"), QStringLiteral("x"), QStringLiteral("y"));
    QVERIFY(composer->templateNames().contains(QStringLiteral("alarm")));
    QVERIFY(composer->loadTemplate(QStringLiteral("alarm")));
    QCOMPARE(composer->topic(), QStringLiteral("alerts"));
    QCOMPARE(composer->eventType(), QStringLiteral("alarm"));
    QCOMPARE(composer->data(), QStringLiteral("{\"at\": \"{{time}}\"}"));

    // Remembered for the next run: a new window sees it.
    m_window.reset();
    NodeConfig config;
    config.port = 0;
    MainWindow again(config);
    QVERIFY(again.composer()->templateNames().contains(QStringLiteral("alarm")));
    again.composer()->removeTemplate(QStringLiteral("alarm"));
    QVERIFY(!again.composer()->templateNames().contains(QStringLiteral("alarm")));
}

void tst_MainWindow::kickFromTheTable()
{
    auto kicked = subscribe("/events");
    auto stays = subscribe("/events");
    QVERIFY(kicked && stays);
    QVERIFY(!m_window->kickAction()->isEnabled()); // nothing selected yet
    QVERIFY(selectClient(kicked->header("herald-client-id").toULongLong()));
    QVERIFY(m_window->kickAction()->isEnabled());

    m_window->kickAction()->trigger();
    // A clean close: FIN after what was queued, not a reset.
    QVERIFY(kicked->waitForDisconnect());
    QCOMPARE(kicked->socket().error(), QAbstractSocket::RemoteHostClosedError);
    QTRY_COMPARE(m_window->clientsModel()->rowCount(), 1);
    QCOMPARE(m_window->clientsModel()->clientId(0),
             stays->header("herald-client-id").toULongLong());
    QVERIFY(stays->isConnected());
}

void tst_MainWindow::faultPanelActsOnTheSelection()
{
    auto faulted = subscribe("/events");
    auto other = subscribe("/events");
    QVERIFY(faulted && other);
    QVERIFY(faulted->waitForBodyContaining("\n\n"));
    QVERIFY(selectClient(faulted->header("herald-client-id").toULongLong()));

    // "Retry, then close" with its parameter, on the selected client only.
    FaultPanel *panel = m_window->faultPanel();
    auto *retry = panel->findChild<QSpinBox *>(QStringLiteral("retryMs"));
    QVERIFY(retry);
    retry->setValue(1234);
    auto *button = panel->findChild<QPushButton *>(QStringLiteral("fault_")
                                                   + Fault::name(Fault::Kind::RetryThenClose));
    QVERIFY(button);
    QSignalSpy applied(m_window->host(), &NodeHost::faultApplied);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(applied.wait());
    QVERIFY(faulted->waitForDisconnect());
    QVERIFY2(faulted->body().endsWith("retry: 1234\n\n"), faulted->body().constData());
    QVERIFY(other->isConnected());
    QVERIFY(!other->body().contains("1234"));

    // The fault shows in the log the window keeps.
    auto *log = m_window->findChild<QPlainTextEdit *>(QStringLiteral("faultLog"));
    QVERIFY(log);
    QTRY_VERIFY(log->toPlainText().contains(Fault::name(Fault::Kind::RetryThenClose)));

    // With nothing selected, a client fault asks for a selection instead of hitting everyone.
    m_window->clientsView()->clearSelection();
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(m_window->statusBar()->currentMessage().contains(QLatin1String("Select clients")));
    QCOMPARE(applied.size(), 1);
}

void tst_MainWindow::directMessageToTheSelectedClient()
{
    auto target = subscribe("/events");
    auto other = subscribe("/events");
    QVERIFY(target && other);
    QVERIFY(selectClient(target->header("herald-client-id").toULongLong()));
    auto *toClient
        = m_window->composer()->findChild<QRadioButton *>(QStringLiteral("targetClient"));
    QVERIFY(toClient);
    QVERIFY(toClient->isEnabled());
    toClient->setChecked(true);
    m_window->composer()->setDraft(QStringLiteral("default"), QStringLiteral("whisper"),
                                   QStringLiteral("only you"));
    m_window->composer()->publishOnce();
    QVERIFY(target->waitForBodyContaining("event: whisper\ndata: only you\n\n"));
    QVERIFY(!target->body().contains("id:"));
    QVERIFY(!other->body().contains("whisper"));
}

void tst_MainWindow::wireViewShowsTheSelectedClientsBytes()
{
    auto client = subscribe("/events");
    QVERIFY(client);
    m_window->findChild<QDockWidget *>(QStringLiteral("wireDock"))->raise();
    QTRY_VERIFY(m_window->wireView()->isVisible());
    QVERIFY(selectClient(client->header("herald-client-id").toULongLong()));
    m_window->composer()->setDraft(QStringLiteral("default"), QStringLiteral("message"),
                                   QStringLiteral("on the wire"));
    m_window->composer()->publishOnce();
    QTRY_VERIFY(m_window->wireView()->text().contains(
        QStringLiteral("id: 1\\n\ndata: on the wire\\n\n\\n")));
}

void tst_MainWindow::chartSeriesGrowWhileEventsFlow()
{
    auto client = subscribe("/events");
    QVERIFY(client);
    ThroughputChart *chart = m_window->chart();
    const int before = chart->pointCount(ThroughputChart::Series::Events);
    m_window->composer()->setDraft(QStringLiteral("default"), QStringLiteral("message"),
                                   QStringLiteral("{{counter}}"));
    m_window->composer()->startRate(100);
    QVERIFY(m_window->composer()->isRatePublishing());

    // One point a second per series.
    QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(ThroughputChart::Series::Events) >= before + 3,
                             15000);
    // The panels redraw in turn, one per snapshot, so the others follow within a second.
    QTRY_VERIFY(chart->pointCount(ThroughputChart::Series::Deliveries) >= before + 3);
    QTRY_VERIFY(chart->pointCount(ThroughputChart::Series::Bytes) >= before + 3);
    QTRY_VERIFY(chart->pointCount(ThroughputChart::Series::Clients) >= before + 3);
    QTRY_VERIFY(chart->samples().back().eventsPerSecond > 10);
    QCOMPARE(chart->samples().back().clients, 1);

    // Latency comes from whoever measures it; a second with samples makes a point.
    const int latencyBefore = chart->pointCount(ThroughputChart::Series::LatencyMean);
    chart->addLatencySample(QDateTime::currentMSecsSinceEpoch(), 4);
    chart->addLatencySample(QDateTime::currentMSecsSinceEpoch(), 8);
    QTRY_COMPARE(chart->pointCount(ThroughputChart::Series::LatencyMean), latencyBefore + 1);
    bool found = false;
    for (const ThroughputChart::Sample &s : chart->samples()) {
        if (s.latencySamples == 2) {
            QCOMPARE(s.latencyMeanMs, 6.0);
            QCOMPARE(s.latencyMaxMs, 8.0);
            found = true;
        }
    }
    QVERIFY(found);

    QSignalSpy stopped(m_window->host(), &NodeHost::rateStopped);
    m_window->composer()->stopRate();
    QVERIFY(stopped.wait());
}

void tst_MainWindow::chartExports()
{
    ThroughputChart *chart = m_window->chart();
    QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(ThroughputChart::Series::Clients) >= 1, 10000);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    QVERIFY2(chart->exportPng(dir.filePath(QStringLiteral("c.png")), &error), qPrintable(error));
    QImage image(dir.filePath(QStringLiteral("c.png")));
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 100);

    QVERIFY2(chart->exportCsv(dir.filePath(QStringLiteral("s.csv")), &error), qPrintable(error));
    QFile csv(dir.filePath(QStringLiteral("s.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
    QVERIFY(lines.first().startsWith("time_utc,time_ms,events_per_s"));
    QCOMPARE(lines.size(), qsizetype(chart->samples().size()) + 1);

    QVERIFY(!chart->exportCsv(dir.filePath(QStringLiteral("missing/dir/s.csv")), &error));
    QVERIFY(!error.isEmpty());
}

void tst_MainWindow::presenterModeToggles()
{
    QAction *action = m_window->presenterAction();
    QVERIFY(action->shortcuts().contains(QKeySequence(Qt::Key_F11)));
    QSignalSpy changed(m_window.get(), &MainWindow::presenterModeChanged);
    auto *stack = m_window->findChild<QStackedWidget *>();
    QVERIFY(stack);

    action->trigger();
    QVERIFY(m_window->isPresenterMode());
    QCOMPARE(changed.size(), 1);
    QCOMPARE(stack->currentWidget(), m_window->presenterView());
    QVERIFY(m_window->presenterView()->isAncestorOf(m_window->chart()));
    QVERIFY(!m_window->menuBar()->isVisible());
    QVERIFY(m_window->presenterView()->qrCode()->modules() > 0);
    QCOMPARE(m_window->presenterView()->qrCode()->text(),
             m_window->presenterView()->audienceUrl().toString());
    QCOMPARE(m_window->presenterView()->audienceUrl().port(), int(port()));

    // The ticker follows published events.
    m_window->composer()->setDraft(QStringLiteral("default"), QStringLiteral("message"),
                                   QStringLiteral("on stage"));
    m_window->composer()->publishOnce();
    QTRY_VERIFY(!m_window->presenterView()->ticker()->lines().isEmpty());
    QVERIFY(
        m_window->presenterView()->ticker()->lines().first().contains(QLatin1String("on stage")));

    // Escape leaves, as does the shortcut.
    QTest::keyClick(m_window->presenterView(), Qt::Key_Escape);
    QVERIFY(!m_window->isPresenterMode());
    QCOMPARE(changed.size(), 2);
    QVERIFY(stack->currentIndex() == 0);
    QVERIFY(!m_window->presenterView()->isAncestorOf(m_window->chart()));
    QCOMPARE(m_window->chart()->parentWidget(),
             m_window->findChild<QDockWidget *>(QStringLiteral("chartDock")));
    QVERIFY(m_window->menuBar()->isVisible());
    QVERIFY(!action->isChecked());
}

void tst_MainWindow::modelsStayConsistentUnderTraffic()
{
    QAbstractItemModelTester clientsTester(m_window->clientsModel(),
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(m_window->clientsProxy(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    EventLogModel *log = m_window->eventLogModel();
    log->setCapacity(25);
    QAbstractItemModelTester logTester(log, QAbstractItemModelTester::FailureReportingMode::QtTest);

    // Sorted by a live counter, so rows move as well as come and go.
    m_window->clientsView()->sortByColumn(ClientsModel::EventsSentColumn, Qt::DescendingOrder);
    m_window->composer()->setDraft(QStringLiteral("a"), QStringLiteral("message"),
                                   QStringLiteral("{{counter}}"));
    m_window->composer()->startRate(300);

    std::vector<std::unique_ptr<RawHttpClient>> clients;
    for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < 6; ++i) {
            auto client = subscribe(i % 2 ? "/events?topic=a" : "/events?topic=b");
            QVERIFY(client);
            clients.push_back(std::move(client));
        }
        // Every other one of the oldest leaves.
        for (size_t i = 0; i < clients.size(); i += 2) {
            if (clients[i])
                clients[i]->socket().abort();
        }
        clients.erase(std::remove_if(clients.begin(), clients.end(),
                                     [](const auto &c) { return !c->isConnected(); }),
                      clients.end());
        QTRY_COMPARE(m_window->clientsModel()->rowCount(), int(clients.size()));
    }
    QTRY_COMPARE(log->rowCount(), 25);
    const quint64 handled = m_window->snapshotsHandled();
    QTRY_VERIFY(m_window->snapshotsHandled() > handled + 3);
    m_window->composer()->stopRate();
}

void tst_MainWindow::crowdedOriginIsFlagged()
{
    auto *banner = m_window->findChild<QLabel *>(QStringLiteral("originBanner"));
    QVERIFY(banner);
    std::vector<std::unique_ptr<RawHttpClient>> tabs;
    for (int i = 0; i < 6; ++i) {
        auto client = subscribe("/events", {"Origin: http://busy.example"});
        QVERIFY(client);
        tabs.push_back(std::move(client));
    }
    QTRY_VERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(QLatin1String("http://busy.example")));
    tabs.back()->socket().abort();
    QTRY_VERIFY(!banner->isVisible());
}

void tst_MainWindow::relayNotConfigured()
{
    QTRY_COMPARE(m_window->nodesView()->summary(), QStringLiteral("relay not configured"));
    auto *relay = m_window->findChild<QLabel *>(QStringLiteral("relayState"));
    QVERIFY(relay);
    QCOMPARE(relay->text(), QStringLiteral("relay not configured"));
}

void tst_MainWindow::relayAndNodesAreShown()
{
    if (RedisProcess::executable().isEmpty())
        QSKIP(RedisProcess::missingMessage());
    RedisProcess redis;
    QVERIFY2(redis.start(), qPrintable(redis.errorString()));

    m_window.reset();
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    config.broadcast.nodeId = QStringLiteral("relayed");
    RelayConfig relay;
    relay.url = *RedisUrl::parse(redis.url());
    relay.prefix = "herald-ui-test";
    relay.presenceIntervalMs = 100;
    config.relay = relay;
    m_window = std::make_unique<MainWindow>(config);
    m_window->host()->setSnapshotInterval(50);
    m_window->show();
    QSignalSpy started(m_window->host(), &NodeHost::started);
    m_window->startServer();
    QVERIFY(started.wait(5000));

    NodesView *nodes = m_window->nodesView();
    QTRY_VERIFY_WITH_TIMEOUT(nodes->nodeCount() == 1, 10000);
    QVERIFY2(nodes->summary().startsWith(QLatin1String("relay ")), qPrintable(nodes->summary()));
    QVERIFY(nodes->summary() != QLatin1String("relay not configured"));
    auto *table = nodes->findChild<QTableWidget *>(QStringLiteral("nodesTable"));
    QVERIFY(table);
    QCOMPARE(table->rowCount(), 1);
    QCOMPARE(table->item(0, 0)->text(), QStringLiteral("relayed"));
    auto *relayLabel = m_window->findChild<QLabel *>(QStringLiteral("relayState"));
    QCOMPARE(relayLabel->text(), nodes->summary());

    // Publishing goes through the relay's sequencer and still reaches a subscriber.
    auto client = subscribe("/events");
    QVERIFY(client);
    m_window->composer()->setDraft(QStringLiteral("default"), QStringLiteral("message"),
                                   QStringLiteral("via redis"));
    m_window->composer()->publishOnce();
    QTRY_VERIFY(client->body().contains("data: via redis\n\n"));
}

void tst_MainWindow::closingStopsTheServerCleanly()
{
    auto client = subscribe("/events");
    QVERIFY(client);
    QSignalSpy stopped(m_window->host(), &NodeHost::stopped);
    // The first close asks the server to stop and waits; the window closes once it has.
    m_window->close();
    QVERIFY(m_window->isVisible());
    QVERIFY(client->waitForDisconnect());
    QCOMPARE(client->socket().error(), QAbstractSocket::RemoteHostClosedError);
    QVERIFY(stopped.size() == 1 || stopped.wait());
    QTRY_VERIFY(!m_window->isVisible());
    QCOMPARE(m_window->host()->state(), NodeHost::State::Stopped);
    // The port it ran on is remembered.
    QCOMPARE(QSettings().value(QStringLiteral("server/port")).toInt(), 0);
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
