// The helpers several test targets share (ChildProcess, LoopbackSocket, RedisTestServer, PrometheusExposition)
// live in Tests/TestSupport; exported here once so every file of this target sees them.
@_exported import TestSupport
