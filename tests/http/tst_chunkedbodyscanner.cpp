#include "http/chunkedbodyscanner.h"

#include <QTest>

#include <algorithm>

using namespace Herald;

class tst_ChunkedBodyScanner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void scan_data();
    void scan();
};

namespace {

using Status = ChunkedBodyScanner::Status;

// Feeds the input in pieces of the given size and returns the status at the first piece that
// ends the scan, with the position in the whole input where the body ended.
Status scanInPieces(const QByteArray &input, qsizetype piece, qint64 limit, qsizetype *end,
                    qint64 *dataBytes)
{
    ChunkedBodyScanner scanner(limit);
    *end = -1;
    for (qsizetype at = 0; at < input.size(); at += piece) {
        const QByteArrayView part
            = QByteArrayView(input).sliced(at, std::min(piece, input.size() - at));
        qsizetype used = 0;
        const Status status = scanner.feed(part, &used);
        if (status != Status::NeedMore) {
            *end = at + used;
            *dataBytes = scanner.dataBytes();
            return status;
        }
        if (used != part.size())
            return Status::Malformed; // a scanner that stops short without saying why
    }
    *dataBytes = scanner.dataBytes();
    return Status::NeedMore;
}

} // namespace

void tst_ChunkedBodyScanner::scan_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("end"); // where the body ends in the input (-1: not yet)
    QTest::addColumn<qint64>("dataBytes");

    const int done = int(Status::Done);
    const int more = int(Status::NeedMore);
    const int bad = int(Status::Malformed);
    const int large = int(Status::TooLarge);

    QTest::newRow("empty body") << QByteArray("0\r\n\r\n") << done << 5 << qint64(0);
    QTest::newRow("one chunk") << QByteArray("3\r\nabc\r\n0\r\n\r\n") << done << 13 << qint64(3);
    QTest::newRow("next request after it")
        << QByteArray("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n") << done << 13 << qint64(3);
    QTest::newRow("two chunks, upper-case hex")
        << QByteArray("A\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n") << done << 26 << qint64(11);
    QTest::newRow("extension and spaces")
        << QByteArray("3 ;name=\"v\"\r\nabc\r\n0\r\n\r\n") << done << 23 << qint64(3);
    // Refused, although HTTP allows them: Qt 6.4's server cannot take them (see the scanner).
    QTest::newRow("trailer fields")
        << QByteArray("1\r\nz\r\n0\r\nA: 1\r\nB: 2\r\n\r\n") << bad << 15 << qint64(1);
    QTest::newRow("bare line feed after the size")
        << QByteArray("2\nab\r\n0\r\n\r\n") << bad << 2 << qint64(0);
    QTest::newRow("bare line feed after the data")
        << QByteArray("2\r\nab\n0\r\n\r\n") << bad << 6 << qint64(2);
    // 13 bytes announced, 12 sent: the CR of the line end is taken as data, the LF ends a line
    // that has no CR of its own.
    QTest::newRow("chunk one byte short")
        << QByteArray("d\r\n{\"data\":\"x\"}\r\n0\r\n\r\n") << bad << 17 << qint64(13);
    QTest::newRow("line breaks inside the data")
        << QByteArray("4\r\n\r\n\r\n\r\n0\r\n\r\n") << done << 14 << qint64(4);
    QTest::newRow("leading zeros")
        << QByteArray("0003\r\nabc\r\n0\r\n\r\n") << done << 16 << qint64(3);
    QTest::newRow("not finished") << QByteArray("5\r\nab") << more << -1 << qint64(5);
    QTest::newRow("no last chunk yet") << QByteArray("1\r\na\r\n") << more << -1 << qint64(1);

    QTest::newRow("size not hexadecimal") << QByteArray("zz\r\n") << bad << 4 << qint64(0);
    QTest::newRow("empty size line") << QByteArray("\r\nabc") << bad << 2 << qint64(0);
    QTest::newRow("negative size") << QByteArray("-5\r\nabcde") << bad << 4 << qint64(0);
    QTest::newRow("hex prefix") << QByteArray("0x5\r\nabcde") << bad << 5 << qint64(0);
    QTest::newRow("size overflows")
        << QByteArray("FFFFFFFFFFFFFFFFFFFF\r\n") << bad << 22 << qint64(0);
    QTest::newRow("chunk longer than its size")
        << QByteArray("2\r\nabc\r\n") << bad << 8 << qint64(2);
    QTest::newRow("over the limit") << QByteArray("65\r\n") << large << 4 << qint64(0);
    QTest::newRow("over the limit in sum")
        << QByteArray("40\r\n" + QByteArray(64, 'a') + "\r\n40\r\n") << large << 74 << qint64(64);
    QTest::newRow("endless size line") << QByteArray(5000, '1') << bad << 4097 << qint64(0);
}

void tst_ChunkedBodyScanner::scan()
{
    QFETCH(QByteArray, input);
    QFETCH(int, status);
    QFETCH(int, end);
    QFETCH(qint64, dataBytes);

    // Whole, then in pieces of every size down to one byte at a time: the same answer.
    for (qsizetype piece = input.size(); piece >= 1; --piece) {
        qsizetype gotEnd = -1;
        qint64 gotData = -1;
        const Status got = scanInPieces(input, piece, 100, &gotEnd, &gotData);
        const QByteArray where = "pieces of " + QByteArray::number(piece);
        QVERIFY2(int(got) == status, where.constData());
        QVERIFY2(gotEnd == end, (where + ": ended at " + QByteArray::number(gotEnd)).constData());
        QVERIFY2(gotData == dataBytes,
                 (where + ": data " + QByteArray::number(gotData)).constData());
    }
}

QTEST_APPLESS_MAIN(tst_ChunkedBodyScanner)
#include "tst_chunkedbodyscanner.moc"
