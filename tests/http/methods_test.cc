#include "http/methods.h"

#include <gtest/gtest.h>
#include <llhttp.h>

#include <string>

namespace http {
namespace {

// Captured from v12.22.9: node -e 'console.log(JSON.stringify(require("http").METHODS))'
constexpr std::string_view kV12MethodsJson =
    R"(["ACL","BIND","CHECKOUT","CONNECT","COPY","DELETE","GET","HEAD","LINK","LOCK",)"
    R"("M-SEARCH","MERGE","MKACTIVITY","MKCALENDAR","MKCOL","MOVE","NOTIFY","OPTIONS",)"
    R"("PATCH","POST","PRI","PROPFIND","PROPPATCH","PURGE","PUT","REBIND","REPORT","SEARCH",)"
    R"("SOURCE","SUBSCRIBE","TRACE","UNBIND","UNLINK","UNLOCK","UNSUBSCRIBE"])";

TEST(Methods, MethodsIsExactlyV12sInV12sOrder) {
  std::string json = "[";
  for (std::string_view m : METHODS) {
    if (json.size() > 1) json += ",";
    json += "\"" + std::string(m) + "\"";
  }
  json += "]";
  EXPECT_EQ(METHODS.size(), 35u);
  EXPECT_EQ(json, kV12MethodsJson);
}

TEST(Methods, MethodNameAgreesWithLlhttpForEveryMethodItDefines) {
  int defined = 0;
#define CHECK_METHOD(num, name, string)                               \
  EXPECT_EQ(MethodName(num), llhttp_method_name(HTTP_##name)) << num; \
  ++defined;
  HTTP_ALL_METHOD_MAP(CHECK_METHOD)
#undef CHECK_METHOD
  EXPECT_EQ(defined, 46);
  EXPECT_EQ(MethodName(HTTP_GET), "GET");
  EXPECT_EQ(MethodName(HTTP_MSEARCH), "M-SEARCH");
  EXPECT_EQ(MethodName(HTTP_DESCRIBE), "DESCRIBE");
}

TEST(Methods, MethodNameIsEmptyForValuesLlhttpDoesNotDefine) {
  EXPECT_EQ(MethodName(-1), "");
  EXPECT_EQ(MethodName(46), "");
  EXPECT_EQ(MethodName(1000), "");
}

TEST(Methods, EveryV12MethodIsOneLlhttpReports) {
  for (std::string_view m : METHODS) {
    bool known = false;
    for (int i = 0; i < 64; ++i) known = known || MethodName(i) == m;
    EXPECT_TRUE(known) << m;
  }
}

}  // namespace
}  // namespace http
