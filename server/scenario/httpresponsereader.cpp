#include "scenario/httpresponsereader.h"

#include <algorithm>
#include <utility>

namespace Herald {

namespace {

// RFC 9110, 5.5: field values lose leading and trailing whitespace (SP, HTAB).
QByteArrayView trimmed(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.chop(1);
    return text;
}

// At most n bytes of a line, for error messages.
QByteArrayView prefix(QByteArrayView text, qsizetype n)
{
    return text.first(std::min(n, text.size()));
}

bool isToken(QByteArrayView name)
{
    if (name.isEmpty())
        return false;
    static const QByteArray extra = "!#$%&'*+-.^_`|~";
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || extra.contains(c);
    });
}

} // namespace

QByteArray HttpResponseReader::header(QByteArrayView name) const
{
    for (const auto &[key, value] : m_headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

void HttpResponseReader::fail(const QString &error)
{
    m_state = State::Error;
    m_error = error;
    m_buffer.clear();
}

QByteArray HttpResponseReader::feed(QByteArrayView bytes)
{
    if (m_state == State::Body)
        return decodeBody(bytes);
    if (m_state != State::Head)
        return {}; // Done or Error: whatever follows is not part of this response

    m_buffer.append(bytes);
    // A loop, because interim 1xx responses may come before the final one.
    while (m_state == State::Head) {
        // RFC 9112, 2.2: a recipient may take a lone LF as a line terminator.
        qsizetype end = m_buffer.indexOf("\r\n\r\n");
        qsizetype skip = 4;
        const qsizetype lf = m_buffer.indexOf("\n\n");
        if (lf >= 0 && (end < 0 || lf < end)) {
            end = lf;
            skip = 2;
        }
        if (end < 0) {
            if (m_buffer.size() > MaxHeadBytes)
                fail(QStringLiteral("response head larger than %1 bytes").arg(MaxHeadBytes));
            return {};
        }
        const QByteArray head = m_buffer.left(end);
        m_buffer.remove(0, end + skip);
        parseHead(head);
    }
    if (m_state != State::Body)
        return {};
    const QByteArray rest = std::exchange(m_buffer, QByteArray());
    return rest.isEmpty() ? QByteArray() : decodeBody(rest);
}

QByteArray HttpResponseReader::decodeBody(QByteArrayView bytes)
{
    if (m_chunked) {
        m_buffer.append(bytes);
        return decodeChunked();
    }
    if (m_remaining >= 0) {
        const qint64 take = std::min<qint64>(m_remaining, bytes.size());
        m_remaining -= take;
        if (m_remaining == 0)
            m_state = State::Done;
        return bytes.first(take).toByteArray();
    }
    return bytes.toByteArray();
}

void HttpResponseReader::parseHead(QByteArrayView head)
{
    QList<QByteArrayView> lines;
    qsizetype start = 0;
    while (start <= head.size()) {
        qsizetype end = head.indexOf('\n', start);
        if (end < 0)
            end = head.size();
        QByteArrayView line = head.sliced(start, end - start);
        if (line.endsWith('\r'))
            line.chop(1);
        lines.append(line);
        start = end + 1;
    }

    // RFC 9112, 4: HTTP-version SP status-code SP [reason-phrase]
    const QByteArrayView statusLine = lines.value(0);
    if (!statusLine.startsWith("HTTP/1.") || statusLine.size() < 12 || statusLine[8] != ' ') {
        fail(QStringLiteral("not an HTTP/1.x status line: %1")
                 .arg(QString::fromLatin1(prefix(statusLine, 80))));
        return;
    }
    bool ok = false;
    const int status = statusLine.sliced(9, 3).toInt(&ok);
    if (!ok || status < 100 || status > 999 || (statusLine.size() > 12 && statusLine[12] != ' ')) {
        fail(QStringLiteral("bad status code in: %1")
                 .arg(QString::fromLatin1(prefix(statusLine, 80))));
        return;
    }
    m_status = status;
    m_reason = statusLine.size() > 13 ? statusLine.sliced(13).toByteArray() : QByteArray();

    m_headers.clear();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArrayView line = lines[i];
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon))) {
            fail(QStringLiteral("malformed header line: %1")
                     .arg(QString::fromLatin1(prefix(line, 80))));
            return;
        }
        m_headers.append(
            {line.first(colon).toByteArray(), trimmed(line.sliced(colon + 1)).toByteArray()});
    }

    if (status >= 100 && status < 200 && status != 101) {
        m_headers.clear();
        m_status = 0;
        return; // stay in Head for the final response
    }

    // RFC 9112, 6.3: 1xx, 204 and 304 have no body; chunked wins over Content-Length.
    m_state = State::Body;
    if (status == 204 || status == 304 || status < 200) {
        m_state = State::Done;
        return;
    }
    const QByteArray coding = header("transfer-encoding").toLower();
    if (!coding.isEmpty()) {
        if (coding.split(',').constLast().trimmed() != "chunked") {
            fail(
                QStringLiteral("unsupported transfer coding: %1").arg(QString::fromLatin1(coding)));
            return;
        }
        m_chunked = true;
        return;
    }
    const QByteArray length = header("content-length");
    if (!length.isEmpty()) {
        const qint64 value = length.toLongLong(&ok);
        if (!ok || value < 0) {
            fail(QStringLiteral("bad Content-Length: %1").arg(QString::fromLatin1(length)));
            return;
        }
        m_remaining = value;
        if (value == 0)
            m_state = State::Done;
    }
}

QByteArray HttpResponseReader::decodeChunked()
{
    // RFC 9112, 7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF
    QByteArray out;
    qsizetype pos = 0;
    while (m_state == State::Body && pos < m_buffer.size()) {
        if (m_chunkState == ChunkState::Data) {
            const qint64 take = std::min<qint64>(m_chunkLeft, m_buffer.size() - pos);
            out.append(m_buffer.constData() + pos, take);
            pos += take;
            m_chunkLeft -= take;
            if (m_chunkLeft == 0)
                m_chunkState = ChunkState::DataEnd;
            continue;
        }
        const qsizetype eol = m_buffer.indexOf('\n', pos);
        if (eol < 0) {
            if (m_buffer.size() - pos > 4096)
                fail(QStringLiteral("chunk line longer than 4096 bytes"));
            break;
        }
        QByteArrayView line = QByteArrayView(m_buffer).sliced(pos, eol - pos);
        if (line.endsWith('\r'))
            line.chop(1);
        pos = eol + 1;

        switch (m_chunkState) {
        case ChunkState::DataEnd:
            if (!line.isEmpty()) {
                fail(QStringLiteral("chunk data not followed by CRLF"));
                return out;
            }
            m_chunkState = ChunkState::Size;
            break;
        case ChunkState::Size: {
            const qsizetype semicolon = line.indexOf(';');
            const QByteArrayView size = trimmed(semicolon < 0 ? line : line.first(semicolon));
            bool ok = false;
            const qint64 value = size.toLongLong(&ok, 16);
            if (size.isEmpty() || !ok || value < 0) {
                fail(QStringLiteral("bad chunk size: %1")
                         .arg(QString::fromLatin1(prefix(line, 40))));
                return out;
            }
            if (value == 0) {
                m_chunkState = ChunkState::Trailers;
            } else {
                m_chunkLeft = value;
                m_chunkState = ChunkState::Data;
            }
            break;
        }
        case ChunkState::Trailers:
            if (line.isEmpty())
                m_state = State::Done;
            break;
        case ChunkState::Data:
            break;
        }
    }
    m_buffer.remove(0, std::min(pos, m_buffer.size()));
    if (m_state != State::Body)
        m_buffer.clear();
    return out;
}

} // namespace Herald
