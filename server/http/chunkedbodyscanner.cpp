#include "http/chunkedbodyscanner.h"

#include <algorithm>

namespace Herald {

namespace {

// A size line with extensions, or a trailer field, longer than this is refused: nobody needs
// one, and it would be buffered here.
constexpr qsizetype MaxLineBytes = 4096;
// Fifteen hexadecimal digits stay far below the qint64 limit whatever follows.
constexpr qsizetype MaxSizeDigits = 15;

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

} // namespace

void ChunkedBodyScanner::reset(qint64 maxDataBytes)
{
    *this = ChunkedBodyScanner(maxDataBytes);
}

ChunkedBodyScanner::Status ChunkedBodyScanner::fail(Status status, const QString &error)
{
    m_state = State::Finished;
    m_error = error;
    return status;
}

ChunkedBodyScanner::Status ChunkedBodyScanner::feed(QByteArrayView bytes, qsizetype *used)
{
    *used = 0;
    if (m_state == State::Finished)
        return m_error.isEmpty() ? Status::Done : Status::Malformed;

    qsizetype i = 0;
    while (i < bytes.size()) {
        if (m_state == State::Data) {
            const qint64 take = std::min<qint64>(m_left, bytes.size() - i);
            i += qsizetype(take);
            m_left -= take;
            if (m_left == 0)
                m_state = State::DataEnd;
            continue;
        }

        const char c = bytes[i++];
        if (c != '\n') {
            if (m_line.size() >= MaxLineBytes) {
                *used = i;
                return fail(Status::Malformed, QStringLiteral("chunked body: line too long"));
            }
            m_line += c;
            continue;
        }
        // Every line ends with CRLF, strictly. Qt 6.4's parser skips the two bytes after chunk
        // data without looking at them: a chunk one byte shorter than its size followed by a
        // bare LF would put it out of step with the connection.
        if (!m_line.endsWith('\r')) {
            *used = i;
            return fail(Status::Malformed,
                        QStringLiteral("chunked body: a line does not end with CRLF (is a chunk "
                                       "shorter than its size?)"));
        }
        m_line.chop(1);
        const Status status = endOfLine();
        m_line.clear();
        if (status != Status::NeedMore) {
            *used = i;
            return status;
        }
    }
    *used = i;
    return Status::NeedMore;
}

ChunkedBodyScanner::Status ChunkedBodyScanner::endOfLine()
{
    switch (m_state) {
    case State::Size: {
        // chunk-size [ chunk-ext ]: hexadecimal digits, then perhaps ";name=value" parts.
        QByteArrayView digits(m_line);
        const qsizetype extension = digits.indexOf(';');
        if (extension >= 0)
            digits = digits.first(extension);
        digits = digits.trimmed();
        if (digits.isEmpty() || digits.size() > MaxSizeDigits
            || !std::all_of(digits.begin(), digits.end(), isHexDigit))
            return fail(Status::Malformed,
                        QStringLiteral("chunked body: malformed chunk size \"%1\"")
                            .arg(QString::fromLatin1(m_line.left(40))));
        const qint64 size = digits.toLongLong(nullptr, 16);
        if (size > m_maxDataBytes - m_dataBytes)
            return fail(Status::TooLarge, QStringLiteral("chunked body over the limit"));
        m_dataBytes += size;
        if (size == 0) {
            m_state = State::Trailers;
        } else {
            m_left = size;
            m_state = State::Data;
        }
        return Status::NeedMore;
    }
    case State::DataEnd:
        if (!m_line.isEmpty())
            return fail(Status::Malformed,
                        QStringLiteral("chunked body: a chunk is longer than its size"));
        m_state = State::Size;
        return Status::NeedMore;
    case State::Trailers:
        // Known shortcoming: trailer fields are refused, although HTTP allows them. Qt 6.4's
        // HTTP server answers the request before it has read them and then takes them for a
        // request of their own (a second answer, or a pipelined request never answered). No
        // client of Herald's sends trailers with a request.
        if (!m_line.isEmpty())
            return fail(Status::Malformed,
                        QStringLiteral("chunked body: trailer fields are not accepted here"));
        m_state = State::Finished;
        return Status::Done;
    case State::Data:
    case State::Finished:
        break;
    }
    return Status::NeedMore;
}

} // namespace Herald
