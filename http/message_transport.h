// MessageTransport: the seam between the message layer (OutgoingMessage,
// IncomingMessage) and the connection that carries the messages. The server's
// connection (http/server_connection.h) is one; the client's is the other. One
// interface for both directions, since every connection has messages going each way.
//
// Loop-thread only. The connection outlives every message attached to it: a message
// is detached (its transport set to null) before its connection goes.
#ifndef HTTP_MESSAGE_TRANSPORT_H_
#define HTTP_MESSAGE_TRANSPORT_H_

#include <cstddef>
#include <cstdint>

#include "http/next_tick.h"

namespace http {

class IncomingMessage;
class OutgoingMessage;

class MessageTransport {
 public:
  // --- for both directions
  // The connection's v12 process.nextTick queue (http/next_tick.h).
  virtual void NextTick(Tick& t) = 0;
  virtual void CancelTick(Tick& t) = 0;
  virtual void ReleaseTick(Tick& t) = 0;

  // --- for outgoing messages
  // Hands m's pending bytes to the engine; false (and nothing sent) once the
  // connection's output has ended.
  virtual bool SendMessageBytes(OutgoingMessage* m) = 0;
  // m ended and its last bytes were handed over: the next message may send.
  virtual void MessageEnded(OutgoingMessage* m) = 0;
  // Bytes that messages waiting behind the first buffer, changed by `delta`.
  virtual void CountWaitingBytes(int64_t delta) = 0;

  // --- for incoming messages
  // A receive buffer for a held body chunk, within the connection's budget and its
  // loop's, or false (the chunk is copied instead); and its return.
  virtual bool TakeHeldBuffer() = 0;
  virtual void GiveHeldBuffer() = 0;
  // Bytes copied out of receive buffers.
  virtual void CountCopied(size_t n) = 0;
  // A message holds too much of its body unread (true), or no longer (false): the
  // connection is not read while any message says so.
  virtual void HoldReceiving(bool stop) = 0;
  // Whether m is still v12's parser.incoming (no later message's head was parsed).
  virtual bool IsParserIncoming(const IncomingMessage* m) const = 0;
  // m is about to emit 'end' (v12's client adds its responseOnEnd as the response's
  // first 'end' listener).
  virtual void IncomingEnded(IncomingMessage* m) { (void)m; }

 protected:
  ~MessageTransport() = default;
};

}  // namespace http

#endif  // HTTP_MESSAGE_TRANSPORT_H_
