"""Random differential test of `evs breaking` against `buf breaking` (not part of ctest: it takes minutes).

Builds random proto2/proto3 schemas, applies one to three random evolutions (type, label, map, oneof,
rename, json_name, deletions with and without reservations, enum value renames, aliases and renumbering,
syntax and package changes, reservation changes, message/enum deletion, defaults), keeps the pairs protoc
compiles, and compares the verdicts of both tools at the WIRE and WIRE_JSON levels (plus PACKAGE and FILE
with --all-levels). A disagreement is printed with both outputs and its case kept under WORK/cN.
Usage: random_differential.py EVS BUF SEED COUNT [WORK] [--all-levels]"""
import os, random, subprocess, sys, shutil, copy, json
EVS = sys.argv[1]
BUF = sys.argv[2]
SCAL = ['double','float','int64','uint64','int32','fixed64','fixed32','bool','string','bytes','uint32','sfixed32','sfixed64','sint32','sint64']
def base_schema(rng, syntax):
    s = {'syntax': syntax, 'package': 'r', 'msgs': [], 'enums': []}
    s['enums'].append({'name': 'Color', 'values': [('COLOR_UNSPECIFIED', 0), ('COLOR_RED', 1), ('COLOR_BLUE', 2)], 'reserved': [], 'rnames': [], 'alias': False})
    s['enums'].append({'name': 'Shade', 'values': [('SHADE_UNSPECIFIED', 0), ('SHADE_DARK', 1)], 'reserved': [], 'rnames': [], 'alias': False})
    for mi in range(2):
        fields = []
        for k in range(1, 7):
            t = rng.choice(SCAL + ['Color', 'Other'])
            lab = rng.choice(['', '', 'repeated'] + (['optional'] if syntax == 'proto3' else ['optional', 'required']))
            if syntax == 'proto2' and lab == '': lab = 'optional'
            fields.append({'name': 'f%d' % k, 'num': k, 'type': t, 'label': lab, 'oneof': None, 'json': None, 'default': None, 'map': None})
        if rng.random() < 0.5:
            for ff in fields[3:5]:
                if ff['label'] not in ('repeated', 'required'): ff['oneof'] = 'o1'; ff['label'] = ''
        res = [(10, 12), (20, 20)] if rng.random() < 0.5 else []
        s['msgs'].append({'name': 'M%d' % mi, 'fields': fields, 'reserved': res, 'rnames': ['old'] if res else []})
    s['msgs'].append({'name': 'Other', 'fields': [{'name': 'x', 'num': 1, 'type': 'string', 'label': 'optional' if syntax == 'proto2' else '', 'oneof': None, 'json': None, 'default': None, 'map': None}], 'reserved': [], 'rnames': []})
    return s

def render(s):
    out = ['syntax = "%s";' % s['syntax'], '', 'package %s;' % s['package'], '']
    for e in s['enums']:
        out.append('enum %s {' % e['name'])
        if e['alias']: out.append('  option allow_alias = true;')
        if e['reserved']: out.append('  reserved %s;' % ', '.join('%d to %d' % r if r[0] != r[1] else '%d' % r[0] for r in e['reserved']))
        if e['rnames']: out.append('  reserved %s;' % ', '.join('"%s"' % n for n in e['rnames']))
        for n, v in e['values']: out.append('  %s = %d;' % (n, v))
        out.append('}')
    for m in s['msgs']:
        out.append('message %s {' % m['name'])
        if m['reserved']: out.append('  reserved %s;' % ', '.join('%d to %d' % (r[0], r[1]) if r[0] != r[1] else '%d' % r[0] for r in m['reserved']))
        if m['rnames']: out.append('  reserved %s;' % ', '.join('"%s"' % n for n in m['rnames']))
        oneofs = {}
        for f in m['fields']:
            if f['oneof']: oneofs.setdefault(f['oneof'], []).append(f)
        def fl(f, in_oneof):
            opts = []
            if f['json']: opts.append('json_name = "%s"' % f['json'])
            if f['default'] is not None: opts.append('default = %s' % f['default'])
            o = (' [%s]' % ', '.join(opts)) if opts else ''
            if f['map']:
                return '  map<%s, %s> %s = %d%s;' % (f['map'][0], f['map'][1], f['name'], f['num'], o)
            lab = '' if in_oneof else (f['label'] + ' ' if f['label'] else '')
            return '  %s%s %s = %d%s;' % (lab, f['type'], f['name'], f['num'], o)
        for f in m['fields']:
            if not f['oneof']: out.append(fl(f, False))
        for name, fs in oneofs.items():
            out.append('  oneof %s {' % name)
            for f in fs: out.append('  ' + fl(f, True))
            out.append('  }')
        out.append('}')
    return '\n'.join(out) + '\n'

def mutate(s, rng):
    s = copy.deepcopy(s)
    m = rng.choice(s['msgs'][:2]); e = rng.choice(s['enums'])
    f = rng.choice(m['fields']) if m['fields'] else None
    kinds = ['type', 'label', 'rename', 'json', 'delete', 'delete_res_num', 'delete_res_both', 'oneof_in', 'oneof_out', 'enum_del', 'enum_del_res', 'enum_rename', 'enum_renum', 'enum_alias', 'syntax', 'map', 'default', 'res_narrow', 'package', 'num', 'enum_field_swap', 'msg_del', 'enum_del_whole', 'oneof_rename', 'res_add']
    k = rng.choice(kinds)
    desc = k
    if k == 'type' and f: f['type'] = rng.choice(SCAL + ['Color', 'Shade', 'Other']); f['map'] = None; f['default'] = None
    elif k == 'label' and f and not f['oneof']:
        opts = ['', 'repeated', 'optional'] if s['syntax'] == 'proto3' else ['optional', 'repeated', 'required']
        f['label'] = rng.choice(opts); f['default'] = None
    elif k == 'rename' and f: f['name'] = f['name'] + 'x'
    elif k == 'json' and f: f['json'] = rng.choice(['jj', f['name']])
    elif k.startswith('delete') and f:
        m['fields'].remove(f)
        if k in ('delete_res_num', 'delete_res_both'): m['reserved'].append((f['num'], f['num']))
        if k == 'delete_res_both': m['rnames'].append(f['name'])
    elif k == 'oneof_in' and f and f['label'] not in ('repeated', 'required') and not f['map']:
        f['oneof'] = rng.choice(['o1', 'o2']); f['label'] = ''; f['default'] = None
    elif k == 'oneof_out' and f and f['oneof']: f['oneof'] = None
    elif k == 'enum_del' and len(e['values']) > 1: e['values'].pop()
    elif k == 'enum_del_res' and len(e['values']) > 1:
        n, v = e['values'].pop(); e['reserved'].append((v, v)); e['rnames'].append(n)
    elif k == 'enum_rename' and len(e['values']) > 1: n, v = e['values'][1]; e['values'][1] = (n + '_X', v)
    elif k == 'enum_renum' and len(e['values']) > 1: n, v = e['values'][-1]; e['values'][-1] = (n, v + 10)
    elif k == 'enum_alias': e['alias'] = True; e['values'].append((e['values'][-1][0] + '_ALIAS', e['values'][-1][1]))
    elif k == 'syntax':
        s['syntax'] = 'proto2' if s['syntax'] == 'proto3' else 'proto3'
        for mm in s['msgs']:
            for ff in mm['fields']:
                ff['default'] = None
                if s['syntax'] == 'proto2' and ff['label'] == '' and not ff['oneof'] and not ff['map']: ff['label'] = 'optional'
                if s['syntax'] == 'proto3' and ff['label'] == 'required': ff['label'] = ''
    elif k == 'map' and f and not f['oneof']: f['map'] = ('string', rng.choice(['int32', 'string', 'Other'])); f['label'] = ''; f['default'] = None
    elif k == 'default' and f and s['syntax'] == 'proto2' and f['label'] != 'repeated' and not f['map'] and f['type'] in ('int32', 'int64', 'uint32', 'sint32', 'fixed32'):
        f['default'] = rng.choice(['1', '2', '0'])
    elif k == 'res_narrow' and m['reserved']:
        m['reserved'] = [(10, 11)]; m['rnames'] = []
    elif k == 'package': s['package'] = 'r2'
    elif k == 'num' and f: f['num'] = f['num'] + 20
    elif k == 'enum_field_swap' and f: f['type'] = 'Shade' if f['type'] == 'Color' else 'Color'; f['map'] = None; f['default'] = None
    elif k == 'msg_del':
        s['msgs'] = [mm for mm in s['msgs'] if mm['name'] != 'M1']
    elif k == 'enum_del_whole':
        s['enums'] = [ee for ee in s['enums'] if ee['name'] != 'Shade']
    elif k == 'oneof_rename':
        for ff in m['fields']:
            if ff['oneof']: ff['oneof'] = ff['oneof'] + 'r'
    elif k == 'res_add':
        m['reserved'].append((90, 95)); m['rnames'].append('zz')
    else: desc = 'noop'
    return s, desc

def run_evs(d, level):
    r = subprocess.run([EVS, 'breaking', d + '/cur', '--against', d + '/prev', '--level', level], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr
def run_buf(d, cat):
    for side in ('cur', 'prev'):
        open(os.path.join(d, side, 'buf.yaml'), 'w').write('version: v2\nbreaking:\n  use:\n    - %s\n' % cat)
    r = subprocess.run([BUF, 'breaking', 'cur', '--against', 'prev'], capture_output=True, text=True, cwd=d)
    return r.returncode, r.stdout + r.stderr

seed = int(sys.argv[3]); n = int(sys.argv[4])
args = [a for a in sys.argv[5:] if not a.startswith('--')]
WORK = args[0] if args else '/tmp/evs-random-differential'
LEVELS = [('wire', 'WIRE'), ('wire-json', 'WIRE_JSON')]
if '--all-levels' in sys.argv: LEVELS += [('package', 'PACKAGE'), ('file', 'FILE')]
rng = random.Random(seed)
diffs = 0
for i in range(n):
    syntax = rng.choice(['proto3', 'proto2'])
    b = base_schema(rng, syntax)
    cur, desc = b, []
    for _ in range(rng.choice([1, 1, 2, 3])):
        cur, dd = mutate(cur, rng); desc.append(dd)
    d = os.path.join(WORK, 'c%d' % i)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d + '/prev'); os.makedirs(d + '/cur')
    open(d + '/prev/a.proto', 'w').write(render(b)); open(d + '/cur/a.proto', 'w').write(render(cur))
    # both sides must compile
    ok = all(subprocess.run(['protoc', '-I', d + '/' + s, '-o', '/dev/null', d + '/' + s + '/a.proto'], capture_output=True).returncode == 0 for s in ('prev', 'cur'))
    if not ok:
        shutil.rmtree(d); continue
    for level, cat in LEVELS:
        erc, eout = run_evs(d, level)
        brc, bout = run_buf(d, cat)
        ev = 'break' if erc == 1 else ('pass' if erc == 0 else 'error')
        bv = 'break' if brc == 100 else ('pass' if brc == 0 else 'error%d' % brc)
        if ev != bv:
            diffs += 1
            print('DIFF case %d %s %s: evs %s buf %s' % (i, desc, level, ev, bv))
            print('  evs:', eout.strip().replace('\n', '\n  evs: '))
            print('  buf:', bout.strip().replace('\n', '\n  buf: '))
            break
    else:
        shutil.rmtree(d)
print('random differential: %d cases, %d disagreements' % (n, diffs))
sys.exit(1 if diffs else 0)
