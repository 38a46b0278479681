"""Random differential test of `evs breaking` against `buf breaking` (not part of ctest: it takes minutes).

Builds random proto2/proto3 schemas of one to three files (one or two packages, imports between them) with
nested messages and enums, maps, oneofs, proto3 `optional`, json_names, enum aliases, reservations
(`max` included), proto2 defaults of every type (escaped bytes, float rounding), required fields, groups,
extensions, well-known types and services. It applies one to three random evolutions of the kinds a team
makes (field type/label/number/name/json_name changes, wire-compatible type changes, string <-> bytes, map
key/value changes, map <-> repeated entry message, presence, oneof add/remove/rename/move, fields into and
out of oneofs, deletions with and without reservations, added fields/values/messages, enum value renames,
aliases, renumbering and reordering, nested types moved out/in, deleted or retyped, messages and enums
moved between files and packages, file renames, syntax and package changes, defaults, groups -> messages,
extension changes, RPC request/response, streaming and idempotency changes, RPC and service deletion),
keeps the pairs protoc compiles (evs compiles with protoc), and compares the verdicts of both tools at the
WIRE and WIRE_JSON levels (plus PACKAGE and FILE with --all-levels). With --rules it also compares the set
of rule IDs each tool reports at WIRE and WIRE_JSON (a verdict can agree by accident).
A disagreement is printed with both outputs and its case kept under WORK/cN (previous/ and current/).
Differences docs/compat.md documents ("Where evs differs from buf") are counted apart; pairs protoc
rejects are skipped and counted, and the ones buf compiles anyway are listed (evs has no verdict for them).
Usage: random_differential.py EVS BUF SEED COUNT [WORK] [--all-levels] [--rules]"""
import copy
import json
import os
import random
import shutil
import subprocess
import sys

EVS = os.path.abspath(sys.argv[1])
BUF = os.path.abspath(sys.argv[2])
SCAL = ['double', 'float', 'int64', 'uint64', 'int32', 'fixed64', 'fixed32', 'bool', 'string', 'bytes', 'uint32',
        'sfixed32', 'sfixed64', 'sint32', 'sint64']
INTS = ['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']
KEYS = INTS + ['bool', 'string']
# Well-known types a field may use (they come from protoc's and buf's own copies of the files).
WKT = {'google.protobuf.Timestamp': 'google/protobuf/timestamp.proto',
       'google.protobuf.Duration': 'google/protobuf/duration.proto',
       'google.protobuf.Int32Value': 'google/protobuf/wrappers.proto',
       'google.protobuf.Int64Value': 'google/protobuf/wrappers.proto',
       'google.protobuf.StringValue': 'google/protobuf/wrappers.proto',
       'google.protobuf.Struct': 'google/protobuf/struct.proto',
       'google.protobuf.Any': 'google/protobuf/any.proto',
       'google.protobuf.NullValue': 'google/protobuf/struct.proto'}
MSG_MAX = 536870911

# ---- the model: a schema is a list of files; types are referenced by full name ----


def new_field(name, num, typ, label='', **kw):
    f = {'name': name, 'num': num, 'type': typ, 'label': label, 'oneof': None, 'json': None, 'default': None,
         'map': None, 'group': None}
    f.update(kw)
    return f


def new_msg(name):
    return {'name': name, 'fields': [], 'nested': [], 'enums': [], 'reserved': [], 'rnames': [], 'ext_ranges': [],
            'exts': []}


def new_enum(name, values):
    return {'name': name, 'values': values, 'reserved': [], 'rnames': [], 'alias': False}


def walk_msgs(container, scope):
    """(full name, message, parent container) for every message under container, groups included."""
    for m in container.get('msgs', container.get('nested', [])):
        full = scope + '.' + m['name'] if scope else m['name']
        yield full, m, container
        yield from walk_msgs(m, full)
        for f in m['fields']:
            if f['group']:
                gfull = full + '.' + f['group']['name']
                yield gfull, f['group'], m
                yield from walk_msgs(f['group'], gfull)


def all_msgs(s):
    for fl in s['files']:
        yield from ((full, m, c, fl) for full, m, c in walk_msgs(fl, fl['package']))


def all_enums(s):
    for fl in s['files']:
        for e in fl['enums']:
            yield fl['package'] + '.' + e['name'], e, fl, fl
        for full, m, _, _ in ((a, b, c, fl) for a, b, c in walk_msgs(fl, fl['package'])):
            for e in m['enums']:
                yield full + '.' + e['name'], e, m, fl


def find_type(s, full):
    """('msg'|'enum', element, file) of a full name, or None."""
    for f, m, _, fl in all_msgs(s):
        if f == full:
            return 'msg', m, fl
    for f, e, _, fl in all_enums(s):
        if f == full:
            return 'enum', e, fl
    return None


def is_enum(s, t):
    ft = find_type(s, t)
    return bool(ft) and ft[0] == 'enum'


def all_fields(s):
    """(message full name, message, field, file) for every field, groups' fields included."""
    for full, m, _, fl in all_msgs(s):
        for f in m['fields']:
            yield full, m, f, fl


def all_exts(s):
    """(extend block list owner, extension field, file)."""
    for fl in s['files']:
        for x in fl['exts']:
            yield fl, x, fl
        for _, m, _, _ in ((a, b, c, fl) for a, b, c in walk_msgs(fl, fl['package'])):
            for x in m['exts']:
                yield m, x, fl


def refs(s):
    """Every place that names a type: (dict, key) pairs whose value is a full name or scalar."""
    out = []
    for _, _, f, _ in all_fields(s):
        out.append((f, 'type'))
    for _, x, _ in all_exts(s):
        out.append((x, 'type'))
        out.append((x, 'extendee'))
    for fl in s['files']:
        for sv in fl['services']:
            for r in sv['rpcs']:
                out.append((r, 'req'))
                out.append((r, 'resp'))
    return out


def map_refs(s):
    return [f for _, _, f, _ in all_fields(s) if f['map']]


def rename_type(s, old, new):
    """References to old (and to types nested in it) now name new."""
    def ren(t):
        if t == old:
            return new
        if t and t.startswith(old + '.'):
            return new + t[len(old):]
        return t
    for d, k in refs(s):
        d[k] = ren(d[k])
    for f in map_refs(s):
        f['map'] = (f['map'][0], ren(f['map'][1]))


def is_named(t):
    return t not in SCAL


def used_types(s):
    u = set()
    for d, k in refs(s):
        u.add(d[k])
    for f in map_refs(s):
        u.add(f['map'][1])
    return u


# ---- rendering ----


def rng_text(r):
    a, b = r
    if b == 'max':
        return '%d to max' % a
    return '%d' % a if a == b else '%d to %d' % (a, b)


def render_enum(e, ind):
    out = [ind + 'enum %s {' % e['name']]
    if e['alias']:
        out.append(ind + '  option allow_alias = true;')
    if e['reserved']:
        out.append(ind + '  reserved %s;' % ', '.join(rng_text(r) for r in e['reserved']))
    if e['rnames']:
        out.append(ind + '  reserved %s;' % ', '.join('"%s"' % n for n in e['rnames']))
    for n, v in e['values']:
        out.append(ind + '  %s = %d;' % (n, v))
    out.append(ind + '}')
    return out


def tref(t):
    return t if t in SCAL else '.' + t


def render_field(f, syntax, ind, in_oneof):
    opts = []
    if f['json']:
        opts.append('json_name = "%s"' % f['json'])
    if f['default'] is not None:
        opts.append('default = %s' % f['default'])
    if f.get('packed') is not None and f['label'] == 'repeated':
        opts.append('packed = %s' % ('true' if f['packed'] else 'false'))
    o = (' [%s]' % ', '.join(opts)) if opts else ''
    if f['map']:
        return [ind + 'map<%s, %s> %s = %d%s;' % (f['map'][0], tref(f['map'][1]), f['name'], f['num'], o)]
    lab = f['label']
    if in_oneof:
        lab = ''
    elif syntax == 'proto2' and lab == '':
        lab = 'optional'
    lab = lab + ' ' if lab else ''
    if f['group']:
        g = f['group']
        out = [ind + '%sgroup %s = %d%s {' % (lab, g['name'], f['num'], o)]
        out += render_body(g, syntax, ind + '  ')
        out.append(ind + '}')
        return out
    return [ind + '%s%s %s = %d%s;' % (lab, tref(f['type']), f['name'], f['num'], o)]


def render_exts(exts, syntax, ind):
    out = []
    by = {}
    for x in exts:
        by.setdefault(x['extendee'], []).append(x)
    for ext, xs in by.items():
        out.append(ind + 'extend .%s {' % ext)
        for x in xs:
            out += render_field(x, syntax, ind + '  ', False)
        out.append(ind + '}')
    return out


def render_body(m, syntax, ind):
    out = []
    if m['reserved']:
        out.append(ind + 'reserved %s;' % ', '.join(rng_text(r) for r in m['reserved']))
    if m['rnames']:
        out.append(ind + 'reserved %s;' % ', '.join('"%s"' % n for n in m['rnames']))
    if m['ext_ranges']:
        out.append(ind + 'extensions %s;' % ', '.join(rng_text(r) for r in m['ext_ranges']))
    for e in m['enums']:
        out += render_enum(e, ind)
    for n in m['nested']:
        out += render_msg(n, syntax, ind)
    oneofs = {}
    for f in m['fields']:
        if f['oneof']:
            oneofs.setdefault(f['oneof'], []).append(f)
    for f in m['fields']:
        if not f['oneof']:
            out += render_field(f, syntax, ind, False)
    for name, fs in oneofs.items():
        out.append(ind + 'oneof %s {' % name)
        for f in fs:
            out += render_field(f, syntax, ind + '  ', True)
        out.append(ind + '}')
    out += render_exts(m['exts'], syntax, ind)
    return out


def render_msg(m, syntax, ind=''):
    return [ind + 'message %s {' % m['name']] + render_body(m, syntax, ind + '  ') + [ind + '}']


def type_file(s, t):
    if t in WKT:
        return WKT[t]
    ft = find_type(s, t)
    return ft[2]['path'] if ft else None


def file_refs(s, fl):
    """Types named by file fl (for its imports)."""
    u = set()
    one = {'files': [fl]}
    for d, k in refs(one):
        u.add(d[k])
    for f in map_refs(one):
        u.add(f['map'][1])
    return u


def render_file(s, fl):
    out = ['syntax = "%s";' % fl['syntax'], '', 'package %s;' % fl['package'], '']
    imports = set()
    for t in file_refs(s, fl):
        if t and is_named(t):
            p = type_file(s, t)
            if p and p != fl['path']:
                imports.add(p)
    for p in sorted(imports):
        out.append('import "%s";' % p)
    if imports:
        out.append('')
    for e in fl['enums']:
        out += render_enum(e, '')
    for m in fl['msgs']:
        out += render_msg(m, fl['syntax'])
    out += render_exts(fl['exts'], fl['syntax'], '')
    for sv in fl['services']:
        out.append('service %s {' % sv['name'])
        for r in sv['rpcs']:
            body = ';'
            if r['idem']:
                body = ' {\n    option idempotency_level = %s;\n  }' % r['idem']
            out.append('  rpc %s(%s%s) returns (%s%s)%s' % (r['name'], 'stream ' if r['cs'] else '', tref(r['req']),
                                                            'stream ' if r['ss'] else '', tref(r['resp']), body))
        out.append('}')
    return '\n'.join(out) + '\n'


# ---- random schemas ----


def rand_label(rng, syntax):
    if syntax == 'proto3':
        return rng.choice(['', '', '', 'repeated', 'optional'])
    return rng.choice(['optional', 'optional', 'optional', 'repeated', 'required'])


def rand_default(rng, f, s):
    t = f['type']
    if t in INTS:
        v = rng.choice(['0', '1', '2', '-1', '7', '4294967297'])
        if v.startswith('-') and t.startswith(('uint', 'fixed')):
            v = '1'
        if v == '4294967297' and t in ('int32', 'uint32', 'sint32', 'fixed32', 'sfixed32'):
            v = '3'
        return v
    if t in ('float', 'double'):
        return rng.choice(['0', '1.5', '0.1', '0.10000000001', '16777217', '1e10', 'inf', '-inf', 'nan', '-0'])
    if t == 'bool':
        return rng.choice(['true', 'false'])
    if t in ('string', 'bytes'):
        return rng.choice(['"x"', '"y"', '""', '"a\\001b"', '"\\x41"', '"A"', '"x\\ny"'])
    ft = find_type(s, t)
    if ft and ft[0] == 'enum':
        return rng.choice(ft[1]['values'])[0]
    return None


def visible_types(s, upto, syntax):
    """Messages and enums declared in files 0..upto (imports only go to earlier files: no cycles)."""
    files = s['files'][:upto + 1]
    msgs = [full for full, m, _, fl in all_msgs(s) if fl in files and not m.get('is_group')]
    enums = [full for full, e, _, fl in all_enums(s) if fl in files and (syntax == 'proto2' or fl['syntax'] == 'proto3')]
    return msgs, enums


def add_fields(s, m, fi, full, rng, nf):
    fl = s['files'][fi]
    syn = fl['syntax']
    msgs, enums = visible_types(s, fi, syn)
    msgs = [x for x in msgs if x != full]
    for k in range(1, nf + 1):
        kind = rng.random()
        name = rng.choice(['f%d' % k, 'f%d' % k, 'f%d' % k, 'field_%d' % k, 'f%d_id' % k])
        if kind < 0.5 or (kind < 0.75 and not msgs + enums):
            f = new_field(name, k, rng.choice(SCAL), rand_label(rng, syn))
        elif kind < 0.75:
            f = new_field(name, k, rng.choice(msgs + enums + (list(WKT) if rng.random() < 0.3 else [])),
                          rand_label(rng, syn))
        elif kind < 0.88:
            f = new_field(name, k, None, '', map=(rng.choice(KEYS), rng.choice(SCAL + msgs + enums)))
        elif syn == 'proto2' and kind < 0.94:
            g = new_msg('Grp%d' % k)
            g['is_group'] = True
            g['fields'].append(new_field('g', 1, rng.choice(SCAL)))
            f = new_field('grp%d' % k, k, 'group', rand_label(rng, syn), group=g)
        else:
            f = new_field(name, k, rng.choice(SCAL + enums), rand_label(rng, syn))
        if f['label'] == 'required' and rng.random() < 0.5:
            f['label'] = 'optional'
        if syn == 'proto2' and f['label'] in ('optional', 'required') and not f['group'] and not f['map'] \
                and rng.random() < 0.3 and (f['type'] in SCAL or is_enum(s, f['type'])):
            f['default'] = rand_default(rng, f, s)
        if rng.random() < 0.1:
            f['json'] = rng.choice(['jj', 'customName']) + str(k)
        m['fields'].append(f)
    if rng.random() < 0.5:
        cands = [f for f in m['fields'] if f['label'] not in ('repeated', 'required') and not f['map']]
        for f in cands[:rng.randint(1, 3)]:
            f['oneof'] = 'o1'
            f['label'] = ''
    if syn == 'proto2' and rng.random() < 0.4:
        m['ext_ranges'] = [(100, 199)]
        ext = new_field('ext_' + m['name'].lower(), 100, rng.choice(SCAL + enums), rng.choice(['optional', 'repeated']),
                        extendee=full)
        later = [x for x in s['files'][fi:] if x['syntax'] == 'proto2']
        (rng.choice(later)['exts'] if rng.random() < 0.7 else m['exts']).append(ext)


def base_schema(rng):
    syntax = rng.choice(['proto3', 'proto2'])
    nfiles = rng.choice([1, 1, 2, 3])
    s = {'files': []}
    pk2 = rng.choice(['r', 'r.b'])
    for i in range(nfiles):
        fl = {'path': 'abc'[i] + '.proto', 'package': 'r' if i == 0 else pk2 if i == 1 else 'r.c',
              'syntax': syntax if rng.random() < 0.85 else ('proto2' if syntax == 'proto3' else 'proto3'),
              'msgs': [], 'enums': [], 'exts': [], 'services': []}
        s['files'].append(fl)
    a = s['files'][0]
    a['enums'].append(new_enum('Color', [('COLOR_UNSPECIFIED', 0), ('COLOR_RED', 1), ('COLOR_BLUE', 2)]))
    if rng.random() < 0.2:
        a['enums'][-1]['alias'] = True
        a['enums'][-1]['values'].append(('COLOR_CRIMSON', 1))
    a['enums'].append(new_enum('Shade', [('SHADE_UNSPECIFIED', 0), ('SHADE_DARK', 1)]))
    if a['syntax'] == 'proto2':  # proto2 enums may start anywhere: the first value is the default
        a['enums'].append(new_enum('Level', [('LEVEL_LOW', 1), ('LEVEL_HIGH', 2), ('LEVEL_NONE', 0)]))
    other = new_msg('Other')
    other['fields'].append(new_field('x', 1, 'string'))
    a['msgs'].append(other)
    plan = []
    for mi in range(3 if nfiles == 3 else 2):
        fi = min(mi, nfiles - 1)
        fl = s['files'][fi]
        m = new_msg('M%d' % mi)
        if rng.random() < 0.6:
            inner = new_msg('Inner')
            inner['fields'].append(new_field('y', 1, rng.choice(SCAL)))
            inner['fields'].append(new_field('z', 2, rng.choice(SCAL), label=rng.choice(['', 'repeated'])))
            m['nested'].append(inner)
        if rng.random() < 0.5:
            m['enums'].append(new_enum('Kind', [('KIND_UNSPECIFIED', 0), ('KIND_A', 1), ('KIND_B', 2)]))
        if rng.random() < 0.4:
            m['reserved'] = rng.choice([[(10, 12), (20, 20)], [(10, 12), (1000, 'max')], [(15, 15)]])
            m['rnames'] = ['old']
        fl['msgs'].append(m)
        plan.append((m, fi, fl['package'] + '.' + m['name']))
    for m, fi, full in plan:
        add_fields(s, m, fi, full, rng, rng.randint(3, 7))
    if rng.random() < 0.5:
        svc = {'name': 'Svc', 'rpcs': []}
        ms = [full for full, mm, _, _ in all_msgs(s) if not mm.get('is_group')]
        for rn in ('Get', 'List', 'Watch'):
            svc['rpcs'].append({'name': rn, 'req': rng.choice(ms), 'resp': rng.choice(ms), 'cs': rn == 'Watch',
                                'ss': rn != 'Get', 'idem': rng.choice([None, None, 'NO_SIDE_EFFECTS', 'IDEMPOTENT'])})
        s['files'][-1]['services'].append(svc)
    return s


# ---- evolutions ----


def pick(rng, xs):
    xs = list(xs)
    return rng.choice(xs) if xs else None


def container_of(s, full):
    """The list a message or enum of this full name is declared in, and its file."""
    for fl in s['files']:
        for e in fl['enums']:
            if fl['package'] + '.' + e['name'] == full:
                return fl['enums'], e, fl
        for m in fl['msgs']:
            if fl['package'] + '.' + m['name'] == full:
                return fl['msgs'], m, fl
        for mf, m, _ in walk_msgs(fl, fl['package']):
            for e in m['enums']:
                if mf + '.' + e['name'] == full:
                    return m['enums'], e, fl
            for n in m['nested']:
                if mf + '.' + n['name'] == full:
                    return m['nested'], n, fl
    return None


COMPAT_GROUPS = [['int32', 'uint32', 'int64', 'uint64', 'bool'], ['sint32', 'sint64'], ['fixed32', 'sfixed32'],
                 ['fixed64', 'sfixed64'], ['string', 'bytes']]
# Changes that need a particular kind of field: (schema, field, syntax, message) -> can it apply?
TARGET = {
    'label': lambda s, f, syn, m: not f['oneof'] and not f['map'],
    'presence': lambda s, f, syn, m: syn == 'proto3' and not f['oneof'] and not f['map'],
    'camel_rename': lambda s, f, syn, m: '_' in f['name'],
    'json_default': lambda s, f, syn, m: '_' in f['name'],
    'oneof_in': lambda s, f, syn, m: f['label'] not in ('repeated', 'required') and not f['map'],
    'oneof_out': lambda s, f, syn, m: f['oneof'],
    'oneof_move': lambda s, f, syn, m: f['oneof'],
    'oneof_del': lambda s, f, syn, m: f['oneof'],
    'oneof_rename': lambda s, f, syn, m: f['oneof'],
    'map': lambda s, f, syn, m: not f['oneof'],
    'map_key': lambda s, f, syn, m: f['map'],
    'map_value': lambda s, f, syn, m: f['map'],
    'map_to_repeated': lambda s, f, syn, m: f['map'],
    'repeated_to_map': lambda s, f, syn, m: f['label'] == 'repeated' and not f['group'] and f['type'] in KEYS,
    'default': lambda s, f, syn, m: syn == 'proto2' and f['label'] != 'repeated' and not f['map'] and
    not f['group'] and not f['oneof'] and f['type'] and (f['type'] in SCAL or is_enum(s, f['type'])),
    'required': lambda s, f, syn, m: syn == 'proto2' and not f['oneof'] and not f['map'],
    'res_narrow': lambda s, f, syn, m: m['reserved'],
    'group_to_msg': lambda s, f, syn, m: f['group'],
    'packed': lambda s, f, syn, m: f['label'] == 'repeated' and f['type'] in SCAL and
    f['type'] not in ('string', 'bytes'),
    'type_compat': lambda s, f, syn, m: not f['map'] and not f['group'] and
    (any(f['type'] in g for g in COMPAT_GROUPS) or is_enum(s, f['type'])),
    'enum_field_swap': lambda s, f, syn, m: not f['map'],
    'string_bytes': lambda s, f, syn, m: f['type'] in ('string', 'bytes') and not f['map'],
}


def mutate(s, rng):
    s = copy.deepcopy(s)
    fields = list(all_fields(s))
    mfull, m, f, fl = pick(rng, fields) or (None, None, None, None)
    msgs = [x for x in all_msgs(s) if not x[1].get('is_group')]
    enums = list(all_enums(s))
    named_m = [x[0] for x in msgs]
    named_e = [x[0] for x in enums]
    syn = fl['syntax'] if fl else 'proto3'
    kinds = ['type', 'type', 'label', 'rename', 'json', 'delete', 'delete_res_num', 'delete_res_both', 'oneof_in',
             'oneof_out', 'oneof_move', 'oneof_del', 'oneof_rename', 'enum_del', 'enum_del_res', 'enum_rename',
             'enum_renum', 'enum_alias', 'enum_alias_drop', 'syntax', 'map', 'map_key', 'map_value', 'map_to_repeated',
             'repeated_to_map', 'presence', 'default', 'res_narrow', 'res_max', 'package', 'num', 'num_swap',
             'enum_field_swap', 'msg_del', 'enum_del_whole', 'res_add', 'nested_out', 'nested_in', 'nested_del',
             'nested_retype', 'move_file', 'move_package', 'file_rename', 'group_to_msg', 'ext_type', 'ext_del',
             'ext_rename', 'ext_move', 'required', 'rpc_req', 'rpc_resp', 'rpc_stream', 'rpc_idem', 'rpc_del',
             'svc_del', 'camel_rename', 'json_default', 'type_compat', 'type_compat', 'enum_reorder', 'add_field',
             'add_value', 'add_msg', 'packed', 'string_bytes', 'string_bytes']
    k = rng.choice(kinds)
    if k in TARGET:  # a field the change applies to
        mfull, m, f, fl = pick(rng, [x for x in fields if TARGET[k](s, x[2], x[3]['syntax'], x[1])]) or \
            (None, None, None, None)
        syn = fl['syntax'] if fl else 'proto3'
    desc = k
    if f and m:
        desc += ':%s.%s' % (mfull, f['name'])

    def clear(f):
        f['map'] = None
        f['default'] = None
        f['group'] = None

    if k == 'type' and f:
        clear(f)
        f['type'] = rng.choice(SCAL + SCAL + named_m + named_e + list(WKT))
    elif k == 'type_compat' and f and not f['map'] and not f['group']:
        # within a wire-compatible group (some of them JSON-compatible too); enums <-> ints
        g = [x for x in COMPAT_GROUPS if f['type'] in x]
        was = f['type']
        if g:
            f['type'] = rng.choice(g[0] + named_e[:1])
        elif f['type'] in named_e:
            f['type'] = rng.choice(['int32', 'uint32'] + named_e)
        if f['default'] is not None and f['type'] in INTS + ['bool']:
            f['default'] = {'true': '1', 'false': '0'}.get(f['default'], f['default']) if f['type'] != 'bool' \
                else rng.choice(['true', 'false'])
        elif f['default'] is not None and not (was in ('string', 'bytes') and f['type'] in ('string', 'bytes')):
            f['default'] = rand_default(rng, f, s) if f['type'] in SCAL or f['type'] in named_e else None
    elif k == 'string_bytes' and f and f['type'] in ('string', 'bytes'):
        f['type'] = 'bytes' if f['type'] == 'string' else 'string'  # the default stays: same bytes
    elif k == 'add_field' and m:
        num = max([x['num'] for x in m['fields']] + [0]) + 1
        while any(num in (r[0], r[1]) or (r[1] != 'max' and r[0] <= num <= r[1]) for r in m['reserved']):
            num += 1
        m['fields'].append(new_field('added_%d' % num, num, rng.choice(SCAL + named_e), rand_label(rng, syn),
                                     oneof=rng.choice([None, None, 'o_new'])))
        if m['fields'][-1]['oneof']:
            m['fields'][-1]['label'] = ''
    elif k == 'add_value':
        _, e, _, _ = pick(rng, enums)
        e['values'].append((e['values'][0][0].split('_')[0] + '_ADDED', max(v for _, v in e['values']) + 1))
        desc = k + ':' + e['name']
    elif k == 'add_msg':
        nm = new_msg('Added')
        nm['fields'].append(new_field('a', 1, 'string'))
        pick(rng, s['files'])['msgs'].append(nm)
    elif k == 'packed' and f and f['label'] == 'repeated' and f['type'] in SCAL and f['type'] not in ('string', 'bytes'):
        f['default'] = None
        f['packed'] = not f.get('packed', syn == 'proto3')
    elif k == 'enum_reorder':
        cands = [x for x in enums if x[3]['syntax'] == 'proto2' and len(x[1]['values']) > 1]
        c = pick(rng, cands)
        if c:
            v = c[1]['values']
            v[0], v[1] = v[1], v[0]
            desc = k + ':' + c[0]
    elif k == 'label' and f and not f['oneof'] and not f['map']:
        f['label'] = rng.choice(['', 'repeated', 'optional'] if syn == 'proto3' else ['optional', 'repeated', 'required'])
        if f['label'] == 'repeated':
            f['default'] = None
    elif k == 'presence' and f and syn == 'proto3' and not f['oneof'] and not f['map']:
        f['label'] = {'': 'optional', 'optional': '', 'repeated': 'optional'}[f['label']]
    elif k == 'rename' and f:
        f['name'] = f['name'] + 'x'
        if f['group']:
            f['group']['name'] += 'x'
            f['name'] = f['group']['name'].lower()
    elif k == 'camel_rename' and f and '_' in f['name']:
        parts = f['name'].split('_')
        f['name'] = parts[0] + ''.join(p.capitalize() for p in parts[1:])  # same default JSON name
    elif k == 'json' and f:
        f['json'] = rng.choice(['jj%d' % f['num'], f['name'], None, 'customName%d' % f['num']])
    elif k == 'json_default' and f and '_' in f['name']:
        parts = f['name'].split('_')
        f['json'] = parts[0] + ''.join(p.capitalize() for p in parts[1:])  # explicit, equal to the default
    elif k.startswith('delete') and f:
        m['fields'].remove(f)
        if k in ('delete_res_num', 'delete_res_both'):
            m['reserved'].append((f['num'], f['num']))
        if k == 'delete_res_both':
            m['rnames'].append(f['name'])
    elif k == 'oneof_in' and f and f['label'] not in ('repeated', 'required') and not f['map']:
        f['oneof'] = rng.choice(['o1', 'o2'])
        f['label'] = ''
    elif k == 'oneof_out' and f and f['oneof']:
        f['oneof'] = None
        f['label'] = rng.choice(['', 'optional']) if syn == 'proto3' else 'optional'
    elif k == 'oneof_move' and f and f['oneof']:
        f['oneof'] = 'o2' if f['oneof'] != 'o2' else 'o1'
    elif k == 'oneof_del' and m:
        for ff in m['fields']:
            if ff['oneof']:
                ff['oneof'] = None
                ff['label'] = 'optional' if rng.random() < 0.5 or syn == 'proto2' else ''
    elif k == 'oneof_rename' and m:
        for ff in m['fields']:
            if ff['oneof']:
                ff['oneof'] = ff['oneof'] + 'r'
    elif k.startswith('enum_') and k not in ('enum_field_swap', 'enum_del_whole', 'enum_reorder'):
        _, e, _, _ = pick(rng, [x for x in enums if x[1]['alias']] if k == 'enum_alias_drop' else []) or \
            pick(rng, enums)
        desc = k + ':' + e['name']
        if k == 'enum_del' and len(e['values']) > 1:
            e['values'].pop()
        elif k == 'enum_del_res' and len(e['values']) > 1:
            n, v = e['values'].pop()
            e['reserved'].append((v, v))
            e['rnames'].append(n)
        elif k == 'enum_rename' and len(e['values']) > 1:
            n, v = e['values'][1]
            e['values'][1] = (n + '_X', v)
        elif k == 'enum_renum' and len(e['values']) > 1:
            n, v = e['values'][-1]
            e['values'][-1] = (n, v + rng.choice([10, 1]))
            if len(set(x[1] for x in e['values'])) < len(e['values']):
                e['alias'] = True
        elif k == 'enum_alias':
            e['alias'] = True
            e['values'].append((e['values'][-1][0] + '_ALIAS', e['values'][-1][1]))
        elif k == 'enum_alias_drop' and e['alias']:
            seen = {}
            for n, v in e['values']:
                seen.setdefault(v, []).append(n)
            dup = [ns for ns in seen.values() if len(ns) > 1]
            if dup:
                e['values'] = [x for x in e['values'] if x[0] != dup[0][-1]]
    elif k == 'syntax':
        tf = pick(rng, s['files'])
        tf['syntax'] = 'proto2' if tf['syntax'] == 'proto3' else 'proto3'
        desc += ':' + tf['path']
        for _, mm in ((a, b) for a, b, _ in walk_msgs(tf, tf['package'])):
            for ff in mm['fields']:
                if tf['syntax'] == 'proto3':
                    ff['default'] = None
                    if ff['label'] == 'required':
                        ff['label'] = ''
                    elif ff['label'] == 'optional':
                        ff['label'] = rng.choice(['', 'optional'])
    elif k == 'map' and f and not f['oneof']:
        clear(f)
        f['map'] = (rng.choice(KEYS), rng.choice(['int32', 'string'] + named_m + named_e))
        f['label'] = ''
    elif k == 'map_key' and f and f['map']:
        f['map'] = (rng.choice(KEYS), f['map'][1])
    elif k == 'map_value' and f and f['map']:
        f['map'] = (f['map'][0], rng.choice(SCAL + named_m + named_e))
    elif k == 'map_to_repeated' and f and f['map']:
        # the same entry message, declared by hand: same type name, not a map entry
        ename = ''.join(p.capitalize() for p in f['name'].split('_')) + 'Entry'
        ent = new_msg(ename)
        ent['fields'] = [new_field('key', 1, f['map'][0]), new_field('value', 2, f['map'][1])]
        m['nested'].append(ent)
        f['type'] = mfull + '.' + ename
        f['label'] = 'repeated'
        f['map'] = None
    elif k == 'repeated_to_map' and f and f['label'] == 'repeated' and not f['group'] and f['type'] in KEYS:
        f['map'] = ('string', f['type'])
        f['default'] = None
    elif k == 'default' and f and syn == 'proto2' and f['label'] != 'repeated' and not f['map'] and not f['group'] \
            and not f['oneof'] and f['type'] and (f['type'] in SCAL or is_enum(s, f['type'])):
        f['default'] = rng.choice([rand_default(rng, f, s), None])
    elif k == 'required' and f and syn == 'proto2' and not f['oneof'] and not f['map']:
        f['label'] = 'optional' if f['label'] == 'required' else 'required'
    elif k == 'res_narrow' and m and m['reserved']:
        m['reserved'] = [(10, 11)]
        m['rnames'] = []
    elif k == 'res_max' and m:
        had = [r for r in m['reserved'] if r[1] == 'max']
        if had:
            m['reserved'] = [r for r in m['reserved'] if r[1] != 'max'] + [(had[0][0], rng.choice([5000, MSG_MAX]))]
        else:
            m['reserved'].append((1000, 'max'))
    elif k == 'package':
        tf = pick(rng, s['files'])
        old = tf['package']
        tf['package'] = old + '2'
        desc += ':' + tf['path']
        if rng.random() < 0.7:  # references follow (they must unless another file is also moved)
            for t in [x[0] for x in msgs if x[0].startswith(old + '.') and x[0].count('.') == old.count('.') + 1
                      and x[3] is tf] + \
                    [x[0] for x in enums if x[0].startswith(old + '.') and x[0].count('.') == old.count('.') + 1
                     and x[3] is tf]:
                rename_type(s, t, tf['package'] + t[len(old):])
    elif k == 'num' and f:
        f['num'] = f['num'] + 20
    elif k == 'num_swap' and m and len(m['fields']) > 1:
        a, b = rng.sample(m['fields'], 2)
        a['num'], b['num'] = b['num'], a['num']
    elif k == 'enum_field_swap' and f and not f['map'] and named_e:
        clear(f)
        f['type'] = rng.choice(named_e)
    elif k == 'msg_del':
        t = pick(rng, [x for x in named_m if x not in used_types(s)])
        if t:
            lst, el, _ = container_of(s, t)
            lst.remove(el)
            desc += ':' + t
    elif k == 'enum_del_whole':
        t = pick(rng, [x for x in named_e if x not in used_types(s)])
        if t:
            lst, el, _ = container_of(s, t)
            lst.remove(el)
            desc += ':' + t
    elif k == 'res_add' and m:
        m['reserved'].append((90, 95))
        m['rnames'].append('zz')
    elif k in ('nested_out', 'nested_del', 'nested_retype'):
        # a nested type: moved to top level, deleted (its users switch type), or its users retyped
        c = pick(rng, [(full, el, fl2) for full, el, par, fl2 in msgs + enums if par is not fl2])
        if c:
            full, el, fl2 = c
            lst = container_of(s, full)[0]
            desc = k + ':' + full
            if k == 'nested_out':
                lst.remove(el)
                kind = 'enums' if 'values' in el else 'msgs'
                nn = el['name'] if not find_type(s, fl2['package'] + '.' + el['name']) else el['name'] + 'Top'
                el['name'] = nn
                fl2[kind].append(el)
                rename_type(s, full, fl2['package'] + '.' + nn)
            else:
                if k == 'nested_del':
                    lst.remove(el)
                repl = pick(rng, [x for x in (named_e if 'values' in el else named_m) if x != full and
                                  not x.startswith(full + '.')]) or 'string'
                for d, key in refs(s):
                    if d[key] == full:
                        d[key] = repl
                for ff in map_refs(s):
                    if ff['map'][1] == full:
                        ff['map'] = (ff['map'][0], repl)
    elif k == 'nested_in':
        # a top-level type moves into a message
        cands = [x for x in msgs + enums if x[2] is x[3]]
        c = pick(rng, cands)
        host = pick(rng, [x for x in msgs if x[2] is x[3]])
        if c and host and c[0] != host[0]:
            full, el, _, fl2 = c
            kind = 'enums' if 'values' in el else 'msgs'
            fl2[kind].remove(el)
            host[1]['enums' if kind == 'enums' else 'nested'].append(el)
            rename_type(s, full, host[0] + '.' + el['name'])
            desc = k + ':' + full + '->' + host[0]
    elif k in ('move_file', 'move_package'):
        c = pick(rng, [x for x in msgs + enums if x[2] is x[3]])
        if c:
            full, el, _, fl2 = c
            kind = 'enums' if 'values' in el else 'msgs'
            if k == 'move_file':
                dst = pick(rng, [x for x in s['files'] if x is not fl2 and x['package'] == fl2['package']])
                if not dst:  # a new file of the package (one path per package: no two files of one name)
                    dst = {'path': 'moved_%s.proto' % fl2['package'].replace('.', '_'), 'package': fl2['package'],
                           'syntax': fl2['syntax'], 'msgs': [], 'enums': [], 'exts': [], 'services': []}
                    s['files'].append(dst)
            else:
                dst = pick(rng, [x for x in s['files'] if x['package'] != fl2['package']])
                if not dst or rng.random() < 0.5:
                    dst = [x for x in s['files'] if x['path'] == 'other_pkg.proto']
                    dst = dst[0] if dst else None
                if not dst:
                    dst = {'path': 'other_pkg.proto', 'package': 'r.moved', 'syntax': fl2['syntax'], 'msgs': [],
                           'enums': [], 'exts': [], 'services': []}
                    s['files'].append(dst)
            fl2[kind].remove(el)
            dst[kind].append(el)
            rename_type(s, full, dst['package'] + '.' + el['name'])
            desc = k + ':' + full + '->' + dst['path']
    elif k == 'file_rename':
        tf = pick(rng, s['files'])
        desc += ':' + tf['path']
        tf['path'] = 'renamed_' + tf['path']
    elif k == 'group_to_msg' and f and f['group']:
        g = f['group']
        f['group'] = None
        g.pop('is_group', None)
        m['nested'].append(g)
        f['type'] = mfull + '.' + g['name']
    elif k.startswith('ext_'):
        xs = list(all_exts(s))
        c = pick(rng, xs)
        if c:
            owner, x, xf = c
            desc = k + ':' + x['name']
            if k == 'ext_type':
                x['type'] = rng.choice(SCAL + named_e)
                x['default'] = None
            elif k == 'ext_del':
                owner['exts'].remove(x)
            elif k == 'ext_rename':
                x['name'] += 'x'
            elif k == 'ext_move':  # file scope <-> message scope: its full name changes
                owner['exts'].remove(x)
                if owner is xf:
                    host = pick(rng, [mm for _, mm, _, ff in all_msgs(s) if ff is xf and not mm.get('is_group')])
                    (host or xf)['exts'].append(x)
                else:
                    xf['exts'].append(x)
    elif k.startswith('rpc_') or k == 'svc_del':
        svcs = [(fl2, sv) for fl2 in s['files'] for sv in fl2['services']]
        c = pick(rng, svcs)
        if c:
            fl2, sv = c
            r = rng.choice(sv['rpcs'])
            desc = k + ':' + r['name']
            if k == 'rpc_req':
                r['req'] = rng.choice(named_m)
            elif k == 'rpc_resp':
                r['resp'] = rng.choice(named_m)
            elif k == 'rpc_stream':
                if rng.random() < 0.5:
                    r['cs'] = not r['cs']
                else:
                    r['ss'] = not r['ss']
            elif k == 'rpc_idem':
                r['idem'] = rng.choice([None, 'NO_SIDE_EFFECTS', 'IDEMPOTENT', 'IDEMPOTENCY_UNKNOWN'])
            elif k == 'rpc_del':
                sv['rpcs'].remove(r)
            else:
                fl2['services'].remove(sv)
    else:
        desc = 'noop(%s)' % k
    return s, desc


# ---- running both tools ----


def write_schema(s, d):
    paths = [fl['path'] for fl in s['files']]
    assert len(set(paths)) == len(paths), 'two files named alike: %s' % paths
    os.makedirs(d)
    for fl in s['files']:
        open(os.path.join(d, fl['path']), 'w').write(render_file(s, fl))


def protoc_error(d):
    """protoc's complaint about the .proto files of d (evs compiles with protoc), None when it compiles them."""
    files = sorted(x for x in os.listdir(d) if x.endswith('.proto'))
    r = subprocess.run(['protoc', '-I', d, '-o', '/dev/null'] + files, capture_output=True, cwd=d, text=True)
    return (r.stderr.strip() or 'exit %d' % r.returncode) if r.returncode else None


def buf_builds(d):
    return subprocess.run([BUF, 'build', d, '-o', '/dev/null'], capture_output=True).returncode == 0


def run_evs(d, level):
    r = subprocess.run([EVS, 'breaking', d + '/current', '--against', d + '/previous', '--level', level,
                        '--format', 'json'], capture_output=True, text=True)
    rules = set()
    findings = []
    for line in r.stdout.splitlines():
        try:
            findings.append(json.loads(line))
            rules.add(findings[-1]['rule'])
        except (ValueError, KeyError):
            pass
    return r.returncode, r.stdout + r.stderr, rules, findings


# buf rules evs does not implement (docs/compat.md, "Not implemented"; PACKAGE and FILE categories only) that
# these schemas can trip.
NOT_IMPLEMENTED = {'EXTENSION_NO_DELETE', 'PACKAGE_EXTENSION_NO_DELETE', 'EXTENSION_MESSAGE_NO_DELETE'}


def known_difference(cur, findings):
    """Are all of evs's findings ones buf 1.75 does not make by design (docs/compat.md, "Where evs differs
    from buf")? buf reports a message (enum) deleted from a package only while the package still has a
    message (enum) in the new schema: the last one of a package to go is not reported."""
    for x in findings:
        kind = {'PACKAGE_MESSAGE_NO_DELETE': all_msgs, 'PACKAGE_ENUM_NO_DELETE': all_enums}.get(x.get('rule'))
        pkg = x.get('message', '').rsplit(' from package ', 1)
        if not kind or len(pkg) != 2 or any(e[3]['package'] == pkg[1] for e in kind(cur)):
            return False
    return bool(findings)


def run_buf(d, cat):
    for side in ('current', 'previous'):
        open(os.path.join(d, side, 'buf.yaml'), 'w').write('version: v2\nbreaking:\n  use:\n    - %s\n' % cat)
    r = subprocess.run([BUF, 'breaking', 'current', '--against', 'previous', '--error-format', 'json'],
                       capture_output=True, text=True, cwd=d)
    for side in ('current', 'previous'):
        os.remove(os.path.join(d, side, 'buf.yaml'))
    rules = set()
    for line in r.stdout.splitlines():
        try:
            rules.add(json.loads(line)['type'])
        except (ValueError, KeyError):
            pass
    if 'COMPILE' in rules:  # buf's own compiler rejects what protoc accepts (proto2 JSON name clashes)
        return -1, r.stdout + r.stderr, rules
    return r.returncode, r.stdout + r.stderr, rules


def main():
    seed = int(sys.argv[3])
    n = int(sys.argv[4])
    args = [a for a in sys.argv[5:] if not a.startswith('--')]
    work = args[0] if args else '/tmp/evs-random-differential'
    levels = [('wire', 'WIRE'), ('wire-json', 'WIRE_JSON')]
    if '--all-levels' in sys.argv:
        levels += [('package', 'PACKAGE'), ('file', 'FILE')]
    check_rules = '--rules' in sys.argv
    rng = random.Random(seed)
    diffs = rule_diffs = skipped = protoc_only = rejected = buf_failed = breaking = known = 0
    for i in range(n):
        b = base_schema(rng)
        cur, desc = b, []
        for _ in range(rng.choice([1, 1, 2, 3])):
            for _attempt in range(10):  # a mutation that finds nothing to change is drawn again
                nxt, dd = mutate(cur, rng)
                if any(render_file(nxt, fl) != render_file(cur, fl) or fl['path'] != fp
                       for fl, fp in zip(nxt['files'], [x['path'] for x in cur['files']])) or \
                        len(nxt['files']) != len(cur['files']):
                    break
            cur = nxt
            desc.append(dd)
        d = os.path.join(work, 'c%d' % i)
        shutil.rmtree(d, ignore_errors=True)
        write_schema(b, d + '/previous')
        write_schema(cur, d + '/current')
        perr = protoc_error(d + '/previous') or protoc_error(d + '/current')
        if perr:
            skipped += 1
            # evs reads .proto through protoc: what protoc rejects and buf accepts gets no verdict from evs
            if buf_builds(d + '/previous') and buf_builds(d + '/current'):
                protoc_only += 1
                print('PROTOC REJECTS, BUF ACCEPTS case %d %s: %s' % (i, desc, perr.splitlines()[0][:200]))
            else:
                shutil.rmtree(d)
            continue
        keep = False
        for level, cat in levels:
            erc, eout, erules, efindings = run_evs(d, level)
            brc, bout, brules = run_buf(d, cat)
            if brc == -1 and erc == 2:
                rejected += 1
                break
            if brc not in (0, 100):
                buf_failed += 1
                print('BUF FAILED case %d %s (exit %d): %s' % (i, desc, brc, bout.strip()[:300]))
                keep = True
                break
            ev = 'break' if erc == 1 else ('pass' if erc == 0 else 'error')
            bv = 'break' if brc == 100 else 'pass'
            breaking += bv == 'break'
            if (ev == 'break' and bv == 'pass' and known_difference(cur, efindings)) or \
                    (ev == 'pass' and bv == 'break' and brules <= NOT_IMPLEMENTED):
                known += 1  # a documented difference (docs/compat.md), not a disagreement
            elif ev != bv:
                diffs += 1
                keep = True
                print('DIFF case %d %s %s: evs %s buf %s' % (i, desc, level, ev, bv))
                print('  evs:', eout.strip().replace('\n', '\n  evs: '))
                print('  buf:', bout.strip().replace('\n', '\n  buf: '))
            elif check_rules and erules != brules and cat in ('WIRE', 'WIRE_JSON'):
                rule_diffs += 1
                keep = True
                print('RULEDIFF case %d %s %s: evs only %s, buf only %s' % (i, desc, level, sorted(erules - brules),
                                                                          sorted(brules - erules)))
        if not keep:
            shutil.rmtree(d)
    print('random differential: %d cases (%d skipped: protoc rejects (%d of them buf accepts), %d: buf and evs '
          'reject; %d buf failures), %d breaking verdicts, %d known differences, %d disagreements%s'
          % (n, skipped, protoc_only, rejected, buf_failed, breaking, known, diffs,
             (', %d rule-set differences' % rule_diffs) if check_rules else ''))
    sys.exit(1 if diffs or rule_diffs or buf_failed else 0)


if __name__ == '__main__':
    main()
