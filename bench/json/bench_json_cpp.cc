// JSON codec benchmark, libprotobuf 3.21 C++ side (bench/json/run.sh runs it interleaved with bench_json.c).
//
//   bench_json_cpp run <type> <file.jsonl> <rounds-of-the-corpus>
//   prints "<json2bin ns/msg> <bin2json ns/msg> <messages> <json bytes>"
//   bench_json_cpp dump <type> <file.jsonl> <out prefix>
//   writes <prefix>.hex (binary of each document, hex per line) and <prefix>.json (that binary as JSON)
//   bench_json_cpp check <type> <file.jsonl> <prefix>
//   the agreement check of run.sh: each line of <prefix>.hex and of <prefix>.json (another side's output)
//   must be the same message as libprotobuf's parse of the corpus line (MessageDifferencer: maps compared
//   as maps, doubles exactly); prints the number of lines that differ and the first few
//
// Uses protoc --cpp_out code for the catalog (run.sh generates it), as a C++ service would:
// json2bin = util::JsonStringToMessage + SerializeToString into a reused string, bin2json =
// ParseFromArray + util::MessageToJsonString, on one reused message (Clear() in between).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <ctime>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace pb = google::protobuf;

// CPU time of the process, as the C drivers: on a shared machine, wall time counts the waits.
static double cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

static std::vector<std::string> lines(const char *path) {
  std::ifstream f(path);
  std::vector<std::string> v;
  for (std::string l; std::getline(f, l);)
    if (!l.empty()) v.push_back(l);
  return v;
}

static std::string unhex(const std::string &h) {
  std::string b;
  for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return b;
}

static int check(const pb::Message &proto, const char *corpus, const std::string &prefix) {
  std::vector<std::string> json = lines(corpus), hex = lines((prefix + ".hex").c_str()),
                           out = lines((prefix + ".json").c_str());
  if (hex.size() != json.size() || out.size() != json.size()) {
    std::printf("%zu lines in the corpus, %zu binary and %zu JSON outputs\n", json.size(), hex.size(), out.size());
    return 1;
  }
  std::unique_ptr<pb::Message> ref(proto.New()), a(proto.New()), b(proto.New());
  size_t bad = 0;
  for (size_t i = 0; i < json.size(); i++) {
    ref->Clear();
    a->Clear();
    b->Clear();
    bool ok = pb::util::JsonStringToMessage(json[i], ref.get()).ok();
    bool bin_ok = ok && a->ParseFromString(unhex(hex[i])) && pb::util::MessageDifferencer::Equals(*ref, *a);
    bool json_ok = ok && pb::util::JsonStringToMessage(out[i], b.get()).ok() &&
                   pb::util::MessageDifferencer::Equals(*ref, *b);
    if (!bin_ok || !json_ok) {
      if (bad++ < 3)
        std::printf("line %zu differs (%s%s)\n", i + 1, bin_ok ? "" : "json->binary ", json_ok ? "" : "binary->json");
    }
  }
  std::printf("%zu of %zu lines differ\n", bad, json.size());
  return bad != 0;
}

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (argc >= 5 && mode == "check") {
    const pb::Descriptor *d = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(argv[2]);
    if (!d) return 1;
    return check(*pb::MessageFactory::generated_factory()->GetPrototype(d), argv[3], argv[4]);
  }
  bool dump = mode == "dump";
  if (argc < 5 || (mode != "run" && !dump)) {
    std::fprintf(stderr, "usage: bench_json_cpp run <type> <file.jsonl> <rounds>\n");
    return 2;
  }
  int rounds = dump ? 0 : std::atoi(argv[4]);
  const pb::Descriptor *d = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(argv[2]);
  if (!d) {
    std::fprintf(stderr, "bench_json_cpp: no generated type %s\n", argv[2]);
    return 1;
  }
  std::unique_ptr<pb::Message> msg(pb::MessageFactory::generated_factory()->GetPrototype(d)->New());
  std::ifstream f(argv[3]);
  std::vector<std::string> json, bin;
  size_t bytes = 0;
  for (std::string l; std::getline(f, l);) {
    if (l.empty()) continue;
    bytes += l.size();
    msg->Clear();
    if (!pb::util::JsonStringToMessage(l, msg.get()).ok()) {
      std::fprintf(stderr, "bench_json_cpp: line %zu rejected\n", json.size() + 1);
      return 1;
    }
    json.push_back(l);
    bin.push_back(msg->SerializeAsString());
  }
  std::string out;
  if (dump) {
    std::ofstream hex(std::string(argv[4]) + ".hex"), js(std::string(argv[4]) + ".json");
    for (const auto &b : bin) {
      for (unsigned char c : b) {
        static const char digits[] = "0123456789abcdef";
        hex << digits[c >> 4] << digits[c & 15];
      }
      hex << '\n';
      msg->Clear();
      out.clear();
      if (!msg->ParseFromString(b) || !pb::util::MessageToJsonString(*msg, &out).ok()) return 1;
      js << out << '\n';
    }
    return hex.good() && js.good() ? 0 : 1;
  }
  auto t0 = cpu_ns();
  for (int r = 0; r < rounds; r++) {
    for (const auto &j : json) {
      msg->Clear();
      if (!pb::util::JsonStringToMessage(j, msg.get()).ok()) return 1;
      msg->SerializeToString(&out);
    }
  }
  auto t1 = cpu_ns();
  for (int r = 0; r < rounds; r++) {
    for (const auto &b : bin) {
      msg->Clear();
      if (!msg->ParseFromArray(b.data(), static_cast<int>(b.size()))) return 1;
      out.clear();
      if (!pb::util::MessageToJsonString(*msg, &out).ok()) return 1;
    }
  }
  auto t2 = cpu_ns();
  double n = static_cast<double>(json.size()) * rounds;
  std::printf("%.1f %.1f %zu %zu\n", (t1 - t0) / n,
              (t2 - t1) / n, json.size(), bytes);
  return 0;
}
