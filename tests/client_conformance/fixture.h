// A recorded client scenario (tests/client_conformance/scenarios/NNN_name/, written
// by tools/record_client_fixtures), read from the test's runfiles: what the peer is
// to answer, and what v12's client sent and did against it.
//
// The scenario files are data of the //tests/client_conformance:peer library, so any
// test that depends on it finds them.
#ifndef TESTS_CLIENT_CONFORMANCE_FIXTURE_H_
#define TESTS_CLIENT_CONFORMANCE_FIXTURE_H_

#include <string>
#include <vector>

namespace client_conformance {

struct Fixture {
  // Declared, so that the class is no aggregate and a braced list of response strings
  // passed to ScriptedPeer never reads as a Fixture.
  Fixture() = default;

  std::string name;                    // the directory name, "021_abort_before_socket"
  std::string listen = "127.0.0.1";    // listen.txt, when there is one
  std::vector<std::string> responses;  // response.N.bin: client.js's strings, directive lines included
  std::vector<std::string> events;     // events.txt's lines, without the last
  int connections = 0;                 // events.txt's last line, "connections N"
  std::vector<std::string> sent;       // sent.N.bin: bytes per connection, the port as PORT
  std::vector<std::string> answers;    // answers.txt's lines: which request got which response
};

// The directory that holds the scenario directories.
std::string ScenarioRoot();

// Every scenario's directory name, sorted (so by number).
std::vector<std::string> FixtureNames();

// Reads one scenario, named by its directory name or by its number alone ("021").
// Throws std::runtime_error when there is no such scenario or a file is malformed
// (events.txt without its "connections N" line, or a sent.N.bin count that differs).
Fixture LoadFixture(std::string name);

}  // namespace client_conformance

#endif  // TESTS_CLIENT_CONFORMANCE_FIXTURE_H_
