#include "fleet/core/json_parse.h"

namespace fleet {

namespace {

// Thrown out of nlohmann's parser callback: a callback can only discard a value, not stop the
// parse, and discarding would still build (and destroy) every level below.
struct TooDeep {};

}  // namespace

Result<Json> ParseUntrustedJson(std::string_view text, int max_depth) {
  // depth is the number of containers enclosing the one that starts, so the root has depth 0.
  auto bound = [max_depth](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= max_depth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    return Json::parse(text, bound);
  } catch (const TooDeep&) {
    return Status::BadRequest("JSON nested deeper than " + std::to_string(max_depth) + " levels");
  } catch (const Json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1, column 7: ..."
    // and ends "; last read: '<the token so far>'", which quotes the body: a Secret's value
    // must not come back in an error (nor reach the log), so the quote is dropped.
    std::string what = e.what();
    size_t tag = what.find("] ");
    if (tag != std::string::npos) what.erase(0, tag + 2);
    size_t quote = what.find("; last read: ");
    if (quote != std::string::npos) what.erase(quote);
    return Status::BadRequest("not valid JSON: " + what);
  } catch (const Json::out_of_range&) {
    // "number overflow parsing '1e999'": not quoted either, for the same reason.
    return Status::BadRequest("not valid JSON: a number is out of range");
  }
}

}  // namespace fleet
