// A real browser against Herald: headless Chromium opens the demo page served at "/", whose
// EventSource is the browser's own. The test kicks its stream from the server, publishes while
// it is away and reads the page's state over the DevTools protocol: the browser must come back
// with the right Last-Event-ID and show every event once; after a 204 it must stop for good.

#include "cdpclient.h"
#include "faults/fault.h"
#include "node/node.h"
#include "testsupport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <csignal>
#include <unistd.h>

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcTest, "herald.test")

using namespace Herald;
using namespace Herald::Test;

namespace {

constexpr int RetryMs = 500;

QString findChromium()
{
    for (const char *name :
         {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
        const QString path = QStandardPaths::findExecutable(QLatin1String(name));
        if (!path.isEmpty())
            return path;
    }
    return {};
}

} // namespace

class tst_BrowserReconnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void kickedBrowserResumesWithLastEventId();
    void browserStopsAfter204();

private:
    void openPage();
    void publish(const QByteArray &data);
    QJsonValue page(const QString &expression);
    QJsonArray clients();

    QString m_chromium;
    std::unique_ptr<Node> m_node;
    std::unique_ptr<QTemporaryDir> m_profile;
    std::unique_ptr<QProcess> m_browser;
    std::unique_ptr<CdpClient> m_cdp;
};

void tst_BrowserReconnect::initTestCase()
{
    m_chromium = findChromium();
    // Not a skip: the test command installs Chromium, so a missing one is a broken set-up.
    QVERIFY2(!m_chromium.isEmpty(),
             "Chromium is not installed (apt-get install -y chromium); the browser test needs it");
}

void tst_BrowserReconnect::init()
{
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    config.broadcast.retryMs = RetryMs;
    config.broadcast.nodeId = QStringLiteral("browser-test");
    m_node = std::make_unique<Node>(config);
    QString error;
    QVERIFY2(m_node->start(&error), qPrintable(error));
    openPage();
}

void tst_BrowserReconnect::cleanup()
{
    m_cdp.reset();
    if (m_browser) {
        const qint64 pid = m_browser->processId();
        m_browser->terminate();
        if (!m_browser->waitForFinished(5000) && pid > 0) {
            // Chromium runs in a process group of its own (see openPage): its helpers go too.
            ::kill(-pid_t(pid), SIGKILL);
            m_browser->waitForFinished(5000);
        }
        m_browser.reset();
    }
    m_profile.reset();
    m_node.reset();
}

void tst_BrowserReconnect::openPage()
{
    m_profile = std::make_unique<QTemporaryDir>();
    QVERIFY(m_profile->isValid());
    m_browser = std::make_unique<QProcess>();
    m_browser->setProgram(m_chromium);
    m_browser->setArguments(
        {QStringLiteral("--headless"), QStringLiteral("--no-sandbox"),
         QStringLiteral("--disable-gpu"), QStringLiteral("--no-first-run"),
         QStringLiteral("--disable-background-networking"),
         QStringLiteral("--disable-component-update"), QStringLiteral("--disable-sync"),
         QStringLiteral("--disable-quic"), QStringLiteral("--disable-dev-shm-usage"),
         QStringLiteral("--remote-allow-origins=*"), QStringLiteral("--remote-debugging-port=0"),
         QStringLiteral("--user-data-dir=") + m_profile->path(), m_node->url().toString()});
    m_browser->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_browser->setStandardOutputFile(QProcess::nullDevice());
    // A process group of its own, so that cleanup can end the browser and all its helpers.
    m_browser->setChildProcessModifier([] { ::setpgid(0, 0); });
    m_browser->start();
    QVERIFY2(m_browser->waitForStarted(10000), qPrintable(m_browser->errorString()));

    // With port 0 the browser picks one and writes it to this file in its profile.
    QFile portFile(m_profile->filePath(QStringLiteral("DevToolsActivePort")));
    QTRY_VERIFY_WITH_TIMEOUT(portFile.exists() && portFile.size() > 0, 30000);
    QVERIFY(portFile.open(QIODevice::ReadOnly));
    const quint16 devToolsPort = quint16(portFile.readLine().trimmed().toUInt());
    QVERIFY(devToolsPort > 0);

    m_cdp = std::make_unique<CdpClient>();
    QVERIFY2(m_cdp->attach(devToolsPort, m_node->url().toString()), qPrintable(m_cdp->lastError()));
    // The page's EventSource is open once Herald has its stream and the page saw onopen.
    QTRY_COMPARE_WITH_TIMEOUT(m_node->broadcaster()->clientCount(), 1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(page(QStringLiteral("window.heraldOpens")).toInt(), 1, 10000);
}

QJsonValue tst_BrowserReconnect::page(const QString &expression)
{
    const std::optional<QJsonValue> value = m_cdp->evaluate(expression);
    if (!value)
        qCWarning(lcTest).noquote() << "page evaluation failed:" << m_cdp->lastError();
    return value.value_or(QJsonValue());
}

void tst_BrowserReconnect::publish(const QByteArray &data)
{
    EventDraft draft;
    draft.data = data;
    m_node->broadcaster()->publishLocal({draft});
}

QJsonArray tst_BrowserReconnect::clients()
{
    return QJsonDocument::fromJson(httpRequest(m_node->port(), "GET", "/clients").body).array();
}

void tst_BrowserReconnect::kickedBrowserResumesWithLastEventId()
{
    for (int i = 1; i <= 5; ++i)
        publish("before " + QByteArray::number(i));
    QTRY_COMPARE_WITH_TIMEOUT(page(QStringLiteral("window.heraldReceived.length")).toInt(), 5,
                              10000);

    const QJsonArray before = clients();
    QCOMPARE(before.size(), 1);
    const QString firstId = before.first().toObject().value(QLatin1String("id")).toString();
    QVERIFY(before.first().toObject().value(QLatin1String("lastEventId")).isNull());
    QVERIFY(before.first()
                .toObject()
                .value(QLatin1String("userAgent"))
                .toString()
                .contains(QLatin1String("Chrome")));

    // Kick the browser's stream through the API, then publish while it waits its retry.
    const HttpResult kicked
        = httpRequest(m_node->port(), "DELETE", "/clients/" + firstId.toLatin1());
    QCOMPARE(kicked.status, 200);
    QTRY_COMPARE(m_node->broadcaster()->clientCount(), 0);
    for (int i = 6; i <= 10; ++i)
        publish("while away " + QByteArray::number(i));

    QTRY_COMPARE_WITH_TIMEOUT(page(QStringLiteral("window.heraldOpens")).toInt(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(page(QStringLiteral("window.heraldReceived.length")).toInt(), 10,
                              10000);

    // The browser resumed from "5": Herald recorded the header it sent.
    const QJsonArray after = clients();
    QCOMPARE(after.size(), 1);
    QVERIFY(after.first().toObject().value(QLatin1String("id")).toString() != firstId);
    QCOMPARE(after.first().toObject().value(QLatin1String("lastEventId")).toString(),
             QStringLiteral("5"));

    // Every event once, in order, with its data.
    const QJsonArray received = page(QStringLiteral("window.heraldReceived")).toArray();
    QCOMPARE(received.size(), 10);
    for (int i = 0; i < 10; ++i) {
        const QJsonObject event = received.at(i).toObject();
        QCOMPARE(event.value(QLatin1String("id")).toString(), QString::number(i + 1));
        QCOMPARE(event.value(QLatin1String("type")).toString(), QStringLiteral("message"));
        const QString expected = i < 5 ? QStringLiteral("before %1").arg(i + 1)
                                       : QStringLiteral("while away %1").arg(i + 1);
        QCOMPARE(event.value(QLatin1String("data")).toString(), expected);
    }

    // Live events still flow after the resume.
    publish("live");
    QTRY_COMPARE(page(QStringLiteral("window.heraldReceived.length")).toInt(), 11);
    QCOMPARE(page(QStringLiteral("window.heraldReceived[10].id")).toString(), QStringLiteral("11"));
}

void tst_BrowserReconnect::browserStopsAfter204()
{
    publish("one");
    QTRY_COMPARE_WITH_TIMEOUT(page(QStringLiteral("window.heraldReceived.length")).toInt(), 1,
                              10000);

    QString error;
    const std::optional<Fault> refuse
        = Fault::fromJson({{"fault", "refuse"}, {"status", 204}, {"count", 1}}, &error);
    QVERIFY2(refuse, qPrintable(error));
    QVERIFY(m_node->faults()->apply(*refuse).error.isEmpty());
    const std::optional<Fault> close = Fault::fromJson({{"fault", "close"}}, &error);
    QVERIFY(m_node->faults()->apply(*close).applied == 1);

    // The browser reconnects after its retry, gets 204 and closes for good (readyState 2).
    QTRY_COMPARE_WITH_TIMEOUT(page(QStringLiteral("window.heraldSource.readyState")).toInt(), 2,
                              10000);
    QCOMPARE(m_node->faults()->pendingRefusals(), 0); // it did come back, and took the 204
    QCOMPARE(page(QStringLiteral("document.getElementById('status').textContent")).toString(),
             QStringLiteral("closed"));

    // It stays away: several retries later no stream has come back and nothing more arrived.
    publish("two");
    QTest::qWait(3 * RetryMs);
    QCOMPARE(m_node->broadcaster()->clientCount(), 0);
    QCOMPARE(page(QStringLiteral("window.heraldOpens")).toInt(), 1);
    QCOMPARE(page(QStringLiteral("window.heraldReceived.length")).toInt(), 1);
}

QTEST_GUILESS_MAIN(tst_BrowserReconnect)
#include "tst_browserreconnect.moc"
