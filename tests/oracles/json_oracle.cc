// json_oracle: libprotobuf 3.21 (C++) as an independent ProtoJSON implementation for evs's JSON tests.
//
// Loads a FileDescriptorSet into a DescriptorPool and works on DynamicMessages of one type, so it needs no
// generated C++ code. Known deviations of 3.21 from the current ProtoJSON spec are listed in
// docs (shared reference protojson.md §9) and in tests/json/known_deviations.txt; never treat its output
// as the spec, only as a second opinion.
//
// usage: json_oracle --descriptor-set FILE... --type T MODE [options]   (--descriptor-set repeatable)
//   json2bin   stdin: one JSON document -> stdout: binary (deterministic: map entries sorted by key)
//   bin2json   stdin: one binary message -> stdout: one JSON line
//   json2text  stdin: one JSON document -> stdout: text format (for protoc --encode)
//   canon      stdin: one binary message -> stdout: its deterministic re-serialization
//   With --delimited, json2bin reads JSON lines and bin2json/canon a varint-length-delimited stream; every
//   record then gives one output line: lowercase hex (json2bin, canon) or JSON (bin2json), or
//   "!error <reason>" when this implementation rejects the record.
//   msgcmp A B   compare two JSON-lines files line by line as messages of T (MessageDifferencer, NaN ==
//                NaN); lines starting with '!' must be equal text.
//   jsoncmp A B  compare two JSON-lines files line by line as plain JSON (no --type needed): objects as
//                unordered key sets, numbers by value (equal as double, or as float when both print a
//                float), strings and literals exactly. --skip-key K (repeatable) ignores members named
//                K at any depth; --null-key K lets a member K be null on one side and "NULL_VALUE" or 0 on
//                the other (libprotobuf 3.21 prints a NullValue field that way under --emit-defaults).
//   bincmp A B   compare two files of binary records as messages of T (MessageDifferencer: maps as maps,
//                Any unpacked, NaN == NaN, -0 == 0); a file is hex lines when its name ends in .hex, else
//                a length-delimited stream.
//   The compare modes print one line per difference and exit 1 when there is any.
// options: --proto-names --emit-defaults --enums-as-numbers (printing), --ignore-unknown (parsing).
// exit: 0 ok, 1 rejected input / differences, 2 usage or setup error.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace pb = google::protobuf;

namespace {

struct Options {
  std::vector<std::string> skip_keys, null_keys;  // jsoncmp: members to ignore / NullValue enum members
  std::vector<std::string> set_paths;
  std::string type, mode;
  std::vector<std::string> args;
  bool delimited = false;
  pb::util::JsonPrintOptions print;
  pb::util::JsonParseOptions parse;
};

[[noreturn]] void Die(const std::string &why) {
  std::cerr << "json_oracle: " << why << "\n";
  std::exit(2);
}

[[noreturn]] void Reject(const std::string &why) {
  std::cerr << "json_oracle: rejected: " << why << "\n";
  std::exit(1);
}

std::string ReadAll(std::istream &in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Hex(const std::string &s) {
  static const char k[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += k[c >> 4];
    out += k[c & 15];
  }
  return out;
}

std::string OneLine(std::string s) {
  for (char &c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

class Oracle {
 public:
  explicit Oracle(const Options &o) : opts_(o), pool_(&db_), factory_(&pool_) {
    for (const auto &path : o.set_paths) {
      std::ifstream f(path, std::ios::binary);
      if (!f) Die("cannot open " + path);
      pb::FileDescriptorSet set;
      if (!set.ParseFromString(ReadAll(f))) Die(path + " is not a FileDescriptorSet");
      pb::FileDescriptorProto known;
      for (const auto &file : set.file())  // a file already loaded is skipped (first wins), like evs
        if (!db_.FindFileByName(file.name(), &known)) db_.Add(file);
    }
    desc_ = pool_.FindMessageTypeByName(o.type);
    if (!desc_) Die("unknown message type " + o.type);
    proto_ = factory_.GetPrototype(desc_);
  }

  std::unique_ptr<pb::Message> New() const {
    return std::unique_ptr<pb::Message>(proto_->New());
  }

  bool FromJson(const std::string &json, pb::Message *m, std::string *why) const {
    auto st = pb::util::JsonStringToMessage(json, m, opts_.parse);
    if (!st.ok()) *why = OneLine(st.ToString());
    return st.ok();
  }
  bool ToJson(const pb::Message &m, std::string *out, std::string *why) const {
    auto st = pb::util::MessageToJsonString(m, out, opts_.print);
    if (!st.ok()) *why = OneLine(st.ToString());
    return st.ok();
  }
  static std::string Deterministic(const pb::Message &m) {
    std::string out;
    {
      pb::io::StringOutputStream sos(&out);
      pb::io::CodedOutputStream cos(&sos);
      cos.SetSerializationDeterministic(true);
      m.SerializeWithCachedSizes(&cos);
    }
    return out;
  }
  bool FromBinary(const std::string &bin, pb::Message *m, std::string *why) const {
    if (!m->ParseFromString(bin)) {
      *why = "not a valid " + desc_->full_name() + " message";
      return false;
    }
    m->ByteSizeLong();  // caches sizes for SerializeWithCachedSizes
    return true;
  }

  const pb::Descriptor *desc() const {
    return desc_;
  }

 private:
  const Options &opts_;
  pb::SimpleDescriptorDatabase db_;
  pb::DescriptorPool pool_;
  pb::DynamicMessageFactory factory_;
  const pb::Descriptor *desc_ = nullptr;
  const pb::Message *proto_ = nullptr;
};

// Splits a varint-length-delimited stream; false when it is malformed.
bool SplitDelimited(const std::string &data, std::vector<std::string> *out) {
  pb::io::CodedInputStream in(reinterpret_cast<const uint8_t *>(data.data()), static_cast<int>(data.size()));
  while (!in.ExpectAtEnd()) {
    uint32_t n;
    if (!in.ReadVarint32(&n)) return false;
    std::string rec;
    if (!in.ReadString(&rec, static_cast<int>(n))) return false;
    out->push_back(std::move(rec));
  }
  return true;
}

std::vector<std::string> Lines(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) Die("cannot open " + path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  return lines;
}

bool Blank(const std::string &s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

// ---- generic JSON comparison over google.protobuf.Value ----

bool FloatEqual(double a, double b) {
  if (a == b) return std::signbit(a) == std::signbit(b);  // -0 and 0 are different JSON
  if (std::isnan(a) && std::isnan(b)) return true;
  // One side printed a float with 9 significant digits, the other with the shortest text that round-trips
  // the float: equal when they name the same float.
  // Below the midpoint between FLT_MAX and 2^128 a double rounds to a finite float.
  const double kFloatLimit = 3.4028235677973366e38;
  if (std::fabs(a) < kFloatLimit && std::fabs(b) < kFloatLimit)
    return static_cast<float>(a) == static_cast<float>(b);
  return false;
}

const Options *g_cmp_opts;

bool Listed(const std::vector<std::string> &keys, const std::string &k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

// A google.protobuf.NullValue printed as an enum ("NULL_VALUE" or 0) instead of null.
bool NullLike(const pb::Value &v) {
  return v.kind_case() == pb::Value::kNullValue ||
         (v.kind_case() == pb::Value::kStringValue && v.string_value() == "NULL_VALUE") ||
         (v.kind_case() == pb::Value::kNumberValue && v.number_value() == 0);
}

bool ValueEqual(const pb::Value &a, const pb::Value &b, const std::string &path, std::string *why) {
  std::string last = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  if (g_cmp_opts && Listed(g_cmp_opts->null_keys, last) && NullLike(a) && NullLike(b)) return true;
  if (a.kind_case() != b.kind_case()) {
    *why = path + ": different JSON kinds";
    return false;
  }
  switch (a.kind_case()) {
    case pb::Value::kNumberValue:
      if (!FloatEqual(a.number_value(), b.number_value())) {
        char buf[128];
        std::snprintf(buf, sizeof buf, ": %.17g != %.17g", a.number_value(), b.number_value());
        *why = path + buf;
        return false;
      }
      return true;
    case pb::Value::kStringValue:
      if (a.string_value() != b.string_value()) {
        *why = path + ": \"" + a.string_value() + "\" != \"" + b.string_value() + "\"";
        return false;
      }
      return true;
    case pb::Value::kBoolValue:
      if (a.bool_value() != b.bool_value()) {
        *why = path + ": different booleans";
        return false;
      }
      return true;
    case pb::Value::kListValue: {
      const auto &x = a.list_value().values(), &y = b.list_value().values();
      if (x.size() != y.size()) {
        *why = path + ": arrays of different lengths";
        return false;
      }
      for (int i = 0; i < x.size(); i++)
        if (!ValueEqual(x[i], y[i], path + "[" + std::to_string(i) + "]", why)) return false;
      return true;
    }
    case pb::Value::kStructValue: {
      const auto &x = a.struct_value().fields(), &y = b.struct_value().fields();
      for (const auto &kv : x) {
        if (g_cmp_opts && Listed(g_cmp_opts->skip_keys, kv.first)) continue;
        auto it = y.find(kv.first);
        if (it == y.end()) {
          *why = path + "." + kv.first + ": only on the left";
          return false;
        }
        if (!ValueEqual(kv.second, it->second, path + "." + kv.first, why)) return false;
      }
      for (const auto &kv : y)
        if (!x.count(kv.first) && !(g_cmp_opts && Listed(g_cmp_opts->skip_keys, kv.first))) {
          *why = path + "." + kv.first + ": only on the right";
          return false;
        }
      return true;
    }
    default:
      return true;  // null
  }
}

int CompareFiles(const Options &o, bool as_messages) {
  if (o.args.size() != 2) Die(o.mode + " wants two files");
  g_cmp_opts = &o;
  auto a = Lines(o.args[0]), b = Lines(o.args[1]);
  int diffs = 0;
  std::unique_ptr<Oracle> oracle;
  if (as_messages) oracle.reset(new Oracle(o));
  pb::util::DefaultFieldComparator cmp;
  cmp.set_treat_nan_as_equal(true);
  pb::util::MessageDifferencer differ;
  differ.set_field_comparator(&cmp);
  std::string report;
  differ.ReportDifferencesToString(&report);
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; i++) {
    std::string why;
    if (i >= a.size() || i >= b.size()) {
      why = "missing on the " + std::string(i >= a.size() ? "left" : "right");
    } else if (a[i].rfind("!", 0) == 0 || b[i].rfind("!", 0) == 0) {
      if (a[i] != b[i]) why = "rejected on one side: " + (a[i][0] == '!' ? a[i] : b[i]);
    } else if (as_messages) {
      auto x = oracle->New(), y = oracle->New();
      std::string w;
      if (!oracle->FromJson(a[i], x.get(), &w)) {
        why = "left does not parse: " + w;
      } else if (!oracle->FromJson(b[i], y.get(), &w)) {
        why = "right does not parse: " + w;
      } else {
        report.clear();
        if (!differ.Compare(*x, *y)) why = OneLine(report);
      }
    } else {
      pb::Value x, y;
      pb::util::JsonParseOptions po;
      auto sa = pb::util::JsonStringToMessage(a[i], &x, po), sb = pb::util::JsonStringToMessage(b[i], &y, po);
      if (!sa.ok()) {
        why = "left is not JSON: " + OneLine(sa.ToString());
      } else if (!sb.ok()) {
        why = "right is not JSON: " + OneLine(sb.ToString());
      } else {
        ValueEqual(x, y, "$", &why);
      }
    }
    if (!why.empty()) {
      std::cout << "line " << (i + 1) << ": " << why << "\n";
      diffs++;
    }
  }
  std::cout << n << " lines, " << diffs << " differ\n";
  return diffs ? 1 : 0;
}

// Records of a file for bincmp: hex lines (name ends in .hex; "!..." lines stay as they are) or a
// varint-length-delimited stream.
std::vector<std::string> BinaryRecords(const std::string &path) {
  std::vector<std::string> recs;
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".hex") == 0) {
    for (const auto &l : Lines(path)) {
      if (l.rfind("!", 0) == 0) {
        recs.push_back(l);
        continue;
      }
      std::string bin;
      for (size_t i = 0; i + 1 < l.size(); i += 2)
        bin += static_cast<char>(std::stoi(l.substr(i, 2), nullptr, 16));
      recs.push_back(bin);
    }
    return recs;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) Die("cannot open " + path);
  if (!SplitDelimited(ReadAll(f), &recs)) Die(path + ": malformed length-delimited stream");
  return recs;
}

int CompareBinary(const Options &o) {
  if (o.args.size() != 2) Die("bincmp wants two files");
  Oracle oracle(o);
  auto a = BinaryRecords(o.args[0]), b = BinaryRecords(o.args[1]);
  pb::util::DefaultFieldComparator cmp;
  cmp.set_treat_nan_as_equal(true);
  pb::util::MessageDifferencer differ;
  differ.set_field_comparator(&cmp);
  std::string report;
  differ.ReportDifferencesToString(&report);
  int diffs = 0;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; i++) {
    std::string why;
    auto x = oracle.New(), y = oracle.New();
    if (i >= a.size() || i >= b.size()) {
      why = "missing on the " + std::string(i >= a.size() ? "left" : "right");
    } else if (a[i].rfind("!", 0) == 0 || b[i].rfind("!", 0) == 0) {
      why = "rejected: " + (a[i].rfind("!", 0) == 0 ? a[i] : b[i]);
    } else if (!x->ParseFromString(a[i]) || !y->ParseFromString(b[i])) {
      why = "does not parse";
    } else {
      report.clear();
      if (!differ.Compare(*x, *y)) why = OneLine(report);
    }
    if (!why.empty()) {
      std::cout << "record " << (i + 1) << ": " << why.substr(0, 2000) << "\n";
      diffs++;
    }
  }
  std::cout << n << " records, " << diffs << " differ\n";
  return diffs ? 1 : 0;
}

int Run(const Options &o) {
  if (o.mode == "jsoncmp") return CompareFiles(o, false);
  if (o.mode == "bincmp") return CompareBinary(o);
  if (o.mode == "msgcmp") return CompareFiles(o, true);
  Oracle oracle(o);
  std::string input = ReadAll(std::cin);
  std::string why;
  if (o.mode == "json2bin" || o.mode == "json2text") {
    if (!o.delimited) {
      auto m = oracle.New();
      if (!oracle.FromJson(input, m.get(), &why)) Reject(why);
      if (o.mode == "json2bin") {
        m->ByteSizeLong();
        std::cout << Oracle::Deterministic(*m);
      } else {
        std::string text;
        pb::TextFormat::PrintToString(*m, &text);
        std::cout << text;
      }
      return 0;
    }
    std::istringstream lines(input);
    int bad = 0;
    for (std::string l; std::getline(lines, l);) {
      if (Blank(l)) continue;
      auto m = oracle.New();
      if (!oracle.FromJson(l, m.get(), &why)) {
        std::cout << "!error " << why << "\n";
        bad++;
        continue;
      }
      m->ByteSizeLong();
      std::cout << Hex(Oracle::Deterministic(*m)) << "\n";
    }
    return bad ? 1 : 0;
  }
  if (o.mode == "bin2json" || o.mode == "canon") {
    std::vector<std::string> recs;
    if (!o.delimited) {
      recs.push_back(input);
    } else if (!SplitDelimited(input, &recs)) {
      Die("malformed length-delimited stream");
    }
    int bad = 0;
    for (const auto &r : recs) {
      auto m = oracle.New();
      std::string out;
      if (!oracle.FromBinary(r, m.get(), &why) || (o.mode == "bin2json" && !oracle.ToJson(*m, &out, &why))) {
        if (!o.delimited) Reject(why);
        std::cout << "!error " << why << "\n";
        bad++;
        continue;
      }
      if (o.mode == "canon") {
        std::string det = Oracle::Deterministic(*m);
        std::cout << (o.delimited ? Hex(det) + "\n" : det);
      } else {
        std::cout << out << "\n";
      }
    }
    return bad ? 1 : 0;
  }
  Die("unknown mode " + o.mode);
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--descriptor-set") {
      o.set_paths.push_back(value());
    } else if (a == "--type") {
      o.type = value();
    } else if (a == "--delimited") {
      o.delimited = true;
    } else if (a == "--proto-names") {
      o.print.preserve_proto_field_names = true;
    } else if (a == "--emit-defaults") {
      o.print.always_print_primitive_fields = true;
    } else if (a == "--enums-as-numbers") {
      o.print.always_print_enums_as_ints = true;
    } else if (a == "--skip-key") {
      o.skip_keys.push_back(value());
    } else if (a == "--null-key") {
      o.null_keys.push_back(value());
    } else if (a == "--ignore-unknown") {
      o.parse.ignore_unknown_fields = true;
    } else if (a.rfind("--", 0) == 0) {
      Die("unknown option " + a);
    } else if (o.mode.empty()) {
      o.mode = a;
    } else {
      o.args.push_back(a);
    }
  }
  if (o.mode.empty())
    Die("usage: json_oracle --descriptor-set FILE --type T MODE [options] (see the source)");
  if (o.mode != "jsoncmp" && (o.set_paths.empty() || o.type.empty()))
    Die(o.mode + " needs --descriptor-set and --type");
  std::ios::sync_with_stdio(false);
  return Run(o);
}
