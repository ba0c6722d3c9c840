// node_timex_* from adjtimex(2), read-only (modes 0), as node_exporter 1.5's timex collector: the
// kernel's NTP discipline state, which is what "is this VPS's clock synchronised" alerts read
// (node_timex_sync_status, node_timex_offset_seconds, node_timex_maxerror_seconds). Scaled as
// node_exporter scales them (adjtimex(2) NOTES): offset and jitter in µs or, with STA_NANO, ns;
// frequencies in ppm with a 16-bit fraction.
#include "agent/collectors/timex.h"

#include <cerrno>
#include <cstring>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {

std::vector<fleet::metrics::Family> TimexFamilies(const struct timex& t, int clock_state) {
  using fleet::metrics::Type;
  constexpr double kMicro = 1e6, kPpm16Frac = 1000000.0 * 65536.0;
  const double divisor = (t.status & STA_NANO) ? 1e9 : kMicro;
  auto gauge = [](const char* name, const char* help, double v) {
    return Single(Type::kGauge, std::string("node_timex_") + name, help, v);
  };
  auto counter = [](const char* name, const char* help, double v) {
    return Single(Type::kCounter, std::string("node_timex_") + name, help, v);
  };
  return {
      gauge("sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
            clock_state == TIME_ERROR ? 0 : 1),
      gauge("offset_seconds", "Time offset in between local system and reference clock.", double(t.offset) / divisor),
      gauge("frequency_adjustment_ratio", "Local clock frequency adjustment.", 1 + double(t.freq) / kPpm16Frac),
      gauge("maxerror_seconds", "Maximum error in seconds.", double(t.maxerror) / kMicro),
      gauge("estimated_error_seconds", "Estimated error in seconds.", double(t.esterror) / kMicro),
      gauge("status", "Value of the status array bits.", double(t.status)),
      gauge("loop_time_constant", "Phase-locked loop time constant.", double(t.constant)),
      gauge("tick_seconds", "Seconds between clock ticks.", double(t.tick) / kMicro),
      gauge("pps_frequency_hertz", "Pulse per second frequency.", double(t.ppsfreq) / kPpm16Frac),
      gauge("pps_jitter_seconds", "Pulse per second jitter.", double(t.jitter) / divisor),
      gauge("pps_shift_seconds", "Pulse per second interval duration.", double(t.shift)),
      gauge("pps_stability_hertz", "Pulse per second stability, average of recent frequency changes.",
            double(t.stabil) / kPpm16Frac),
      counter("pps_jitter_total", "Pulse per second count of jitter limit exceeded events.", double(t.jitcnt)),
      counter("pps_calibration_total", "Pulse per second count of calibration intervals.", double(t.calcnt)),
      counter("pps_error_total", "Pulse per second count of calibration errors.", double(t.errcnt)),
      counter("pps_stability_exceeded_total", "Pulse per second count of stability limit exceeded events.",
              double(t.stbcnt)),
      gauge("tai_offset_seconds", "International Atomic Time (TAI) offset.", double(t.tai)),
  };
}

namespace {

class TimexCollector : public Collector {
 public:
  fleet::Status Collect(std::vector<fleet::metrics::Family>* out) override {
    struct timex t {};  // modes 0: read only, allowed without CAP_SYS_TIME
    const int state = ::adjtimex(&t);
    if (state < 0) {
      // A sandbox (seccomp, a container runtime) may refuse the call: no data, as node_exporter.
      if (errno == EPERM) return NoData("adjtimex(2)");
      return fleet::Status::Unavailable(std::string("adjtimex(2): ") + std::strerror(errno));
    }
    for (auto& f : TimexFamilies(t, state)) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Collector> NewTimexCollector(const CollectorOptions&) { return std::make_unique<TimexCollector>(); }

}  // namespace agent
