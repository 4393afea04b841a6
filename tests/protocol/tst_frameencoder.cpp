#include "protocol/frameencoder.h"

#include <QTest>

using namespace Herald;

class tst_FrameEncoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void event_data();
    void event();
    void retryAndComment();
    void eventType_data();
    void eventType();
};

void tst_FrameEncoder::event_data()
{
    QTest::addColumn<qint64>("id");
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("retry"); // -1: none
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("plain message") << qint64(1) << QByteArray("message") << QByteArray("hello")
                                   << -1 << QByteArray("id: 1\ndata: hello\n\n");
    QTest::newRow("named type") << qint64(42) << QByteArray("update") << QByteArray("x") << -1
                                << QByteArray("id: 42\nevent: update\ndata: x\n\n");
    QTest::newRow("empty type counts as message")
        << qint64(3) << QByteArray() << QByteArray("x") << -1 << QByteArray("id: 3\ndata: x\n\n");
    QTest::newRow("lf splits lines") << qint64(2) << QByteArray("message") << QByteArray("a\nb")
                                     << -1 << QByteArray("id: 2\ndata: a\ndata: b\n\n");
    QTest::newRow("crlf splits once") << qint64(2) << QByteArray("message") << QByteArray("a\r\nb")
                                      << -1 << QByteArray("id: 2\ndata: a\ndata: b\n\n");
    QTest::newRow("lone cr splits") << qint64(2) << QByteArray("message") << QByteArray("a\rb")
                                    << -1 << QByteArray("id: 2\ndata: a\ndata: b\n\n");
    QTest::newRow("cr cr is two breaks")
        << qint64(2) << QByteArray("message") << QByteArray("a\r\rb") << -1
        << QByteArray("id: 2\ndata: a\ndata:\ndata: b\n\n");
    QTest::newRow("lf cr is two breaks")
        << qint64(2) << QByteArray("message") << QByteArray("a\n\rb") << -1
        << QByteArray("id: 2\ndata: a\ndata:\ndata: b\n\n");
    QTest::newRow("empty payload") << qint64(5) << QByteArray("message") << QByteArray() << -1
                                   << QByteArray("id: 5\ndata:\n\n");
    QTest::newRow("trailing newline kept")
        << qint64(6) << QByteArray("message") << QByteArray("a\n") << -1
        << QByteArray("id: 6\ndata: a\ndata:\n\n");
    QTest::newRow("leading space kept") << qint64(7) << QByteArray("message") << QByteArray(" a")
                                        << -1 << QByteArray("id: 7\ndata:  a\n\n");
    QTest::newRow("colon in data") << qint64(8) << QByteArray("message") << QByteArray("a: b") << -1
                                   << QByteArray("id: 8\ndata: a: b\n\n");
    QTest::newRow("json payload") << qint64(9) << QByteArray("message") << QByteArray("{\"a\":1}")
                                  << -1 << QByteArray("id: 9\ndata: {\"a\":1}\n\n");
    QTest::newRow("retry field") << qint64(10) << QByteArray("message") << QByteArray("x") << 2500
                                 << QByteArray("id: 10\nretry: 2500\ndata: x\n\n");
    QTest::newRow("line feed in type cannot add a field")
        << qint64(12) << QByteArray("x\nid: 999") << QByteArray("d") << -1
        << QByteArray("id: 12\nevent: x\ndata: d\n\n");
    QTest::newRow("carriage return in type cannot add a field")
        << qint64(13) << QByteArray("x\rdata: forged") << QByteArray("d") << -1
        << QByteArray("id: 13\nevent: x\ndata: d\n\n");
    QTest::newRow("type that is only a line break is a message")
        << qint64(14) << QByteArray("\r\nevent: y") << QByteArray("d") << -1
        << QByteArray("id: 14\ndata: d\n\n");
    QTest::newRow("utf-8 kept") << qint64(11) << QByteArray("message") << QByteArray("h\xc3\xa9")
                                << -1 << QByteArray("id: 11\ndata: h\xc3\xa9\n\n");
}

void tst_FrameEncoder::event()
{
    QFETCH(qint64, id);
    QFETCH(QByteArray, type);
    QFETCH(QByteArray, data);
    QFETCH(int, retry);
    QFETCH(QByteArray, expected);

    const QByteArray frame
        = FrameEncoder::event(id, type, data, retry < 0 ? std::nullopt : std::optional<int>(retry));
    QCOMPARE(frame, expected);
    // Whatever the payload, no field value holds a CR, and the frame ends with one blank line.
    QVERIFY(!frame.contains('\r'));
    QVERIFY(frame.endsWith("\n\n"));
    QVERIFY(!frame.chopped(1).endsWith("\n\n"));
}

void tst_FrameEncoder::retryAndComment()
{
    QCOMPARE(FrameEncoder::retry(3000), QByteArray("retry: 3000\n\n"));
    QCOMPARE(FrameEncoder::comment("heartbeat"), QByteArray(": heartbeat\n\n"));
    QCOMPARE(FrameEncoder::comment("a\r\nb"), QByteArray(": a\n: b\n\n"));
    QCOMPARE(FrameEncoder::comment(""), QByteArray(":\n\n"));
}

void tst_FrameEncoder::eventType_data()
{
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<bool>("valid");
    QTest::newRow("word") << QByteArray("update") << true;
    QTest::newRow("with space and colon") << QByteArray("a b:c") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("lf") << QByteArray("a\nb") << false;
    QTest::newRow("cr") << QByteArray("a\rb") << false;
}

void tst_FrameEncoder::eventType()
{
    QFETCH(QByteArray, type);
    QFETCH(bool, valid);
    QCOMPARE(FrameEncoder::isValidEventType(type), valid);
}

QTEST_GUILESS_MAIN(tst_FrameEncoder)
#include "tst_frameencoder.moc"
