// The console's stylesheet, inlined into the page shell (one request fewer, no file to find).

/** CSS of the console page. */
export const CONSOLE_CSS = `
:root { --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f9fafb; --accent:#2563eb;
  --s-not-reached:#f3f4f6; --b-not-reached:#9ca3af; --s-running:#dbeafe; --b-running:#2563eb;
  --s-waiting:#fef3c7; --b-waiting:#d97706; --s-succeeded:#dcfce7; --b-succeeded:#16a34a;
  --s-failed:#fee2e2; --b-failed:#dc2626; --s-retried:#ffedd5; --b-retried:#ea580c; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:center; gap:24px; padding:10px 20px; background:#111827; color:#fff; }
header .brand { font-weight:600; letter-spacing:.02em; }
header nav a { color:#d1d5db; text-decoration:none; margin-right:16px; }
header nav a.active, header nav a:hover { color:#fff; }
main { padding:16px 20px 40px; }
h2 { margin:8px 0 12px; font-size:20px; } h3 { margin:18px 0 8px; font-size:16px; } h4 { margin:10px 0 6px; font-size:13px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
a { color:var(--accent); }
.crumbs { color:var(--muted); font-size:13px; }
.muted { color:var(--muted); } .nowrap { white-space:nowrap; } .mono { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
.error { color:#b91c1c; font-weight:500; } .error:empty { display:none; }
div.error { background:#fef2f2; border:1px solid #fecaca; border-radius:6px; padding:6px 10px; margin:8px 0; }
table { border-collapse:collapse; width:100%; background:#fff; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; background:#f3f4f6; }
button { font:inherit; padding:4px 12px; border:1px solid #d1d5db; border-radius:6px; background:#fff; cursor:pointer; }
button:disabled { opacity:.5; cursor:default; }
button.primary { background:var(--accent); color:#fff; border-color:var(--accent); }
button.danger { color:#b91c1c; border-color:#fca5a5; }
input, select, textarea { font:inherit; padding:4px 8px; border:1px solid #d1d5db; border-radius:6px; background:#fff; }
textarea { width:100%; font-family:ui-monospace, monospace; font-size:12px; }
textarea[aria-invalid="true"] { border-color:#dc2626; outline-color:#dc2626; }
.filters { margin:6px 0 10px; display:flex; gap:8px; align-items:center; }
.pager { display:flex; gap:10px; align-items:center; margin-top:8px; }
.two-col { display:grid; grid-template-columns: minmax(0,2fr) minmax(280px,1fr); gap:24px; }
.start-form { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; display:flex; flex-direction:column; gap:8px; }
.start-form label { display:flex; flex-direction:column; gap:4px; font-size:13px; }
.start-form h3 { margin:0; }
pre { margin:0; white-space:pre-wrap; word-break:break-word; }
pre.json, pre.definition { background:#fff; border:1px solid var(--line); border-radius:6px; padding:8px; font-size:12px; font-family:ui-monospace, monospace; max-height:360px; overflow:auto; }
pre.definition { max-height:none; }
.def-line.selected { background:#fef9c3; box-shadow:-8px 0 0 #fef9c3, 8px 0 0 #fef9c3; font-weight:600; }
.status { display:inline-block; padding:1px 10px; border-radius:999px; font-size:12px; font-weight:600; background:#e5e7eb; }
.status-Running, .status-Starting { background:var(--s-running); color:#1e40af; }
.status-Succeeded { background:var(--s-succeeded); color:#166534; }
.status-Failed, .status-TimedOut { background:var(--s-failed); color:#991b1b; }
.status-Stopped { background:#e5e7eb; color:#374151; }
.exec-head { display:flex; align-items:center; gap:14px; flex-wrap:wrap; } .exec-head h2 { margin:6px 0; }
.times { color:var(--muted); font-size:13px; }
.execution-error { background:#fef2f2; border:1px solid #fecaca; color:#991b1b; border-radius:6px; padding:6px 10px; margin:6px 0; font-weight:500; }
.execution-error:empty { display:none; }
.io { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
.split { display:grid; grid-template-columns: minmax(220px, 1fr) minmax(320px, 2fr) minmax(300px, 1.3fr); gap:16px; align-items:start; }
.graph-box { background:#fff; border:1px solid var(--line); border-radius:8px; padding:8px; overflow:auto; }
.legend { display:flex; flex-wrap:wrap; gap:6px; margin-bottom:6px; }
.state-badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:11px; border:1px solid; }
${['not-reached', 'running', 'waiting', 'succeeded', 'failed', 'retried']
  .map(
    (s) => `.state-${s} { background:var(--s-${s}); border-color:var(--b-${s}); }
.flow-graph g.node[data-state="${s}"] .shape { fill:var(--s-${s}); stroke:var(--b-${s}); }`,
  )
  .join('\n')}
.flow-graph { display:block; font-family:system-ui, sans-serif; max-width:100%; height:auto; margin:0 auto; }
.flow-graph .shape { fill:#fff; stroke:#9ca3af; stroke-width:1.5; }
.flow-graph g.node { cursor:pointer; }
.flow-graph g.kind-start .shape, .flow-graph g.kind-end .shape { fill:#111827; stroke:#111827; }
.flow-graph g.kind-start text, .flow-graph g.kind-end text { fill:#fff; }
.flow-graph g.kind-group .shape { fill-opacity:.25; stroke-dasharray:5 3; }
.flow-graph g.kind-group { cursor:default; }
.flow-graph g.node[data-state="running"] .shape, .flow-graph g.node[data-state="waiting"] .shape { stroke-width:2.5; }
.flow-graph g.kind-group[data-state] .shape { stroke-width:1.5; }
.flow-graph g.selected .shape { stroke:#111827; stroke-width:3; }
.flow-graph text.label { font-size:13px; font-weight:600; text-anchor:middle; fill:#111827; }
.flow-graph text.sub { font-size:11px; text-anchor:middle; fill:#4b5563; }
.flow-graph text.group-label { font-size:11px; fill:#6b7280; }
.flow-graph .edge path { fill:none; stroke:#6b7280; stroke-width:1.3; }
.flow-graph .edge[data-taken="true"] path { stroke:#15803d; stroke-width:2.2; }
.flow-graph .edge-catch path { stroke:#dc2626; stroke-dasharray:4 3; }
.flow-graph .edge-goto path { stroke:#7c3aed; stroke-dasharray:6 3; }
.flow-graph .arrow-head { fill:#6b7280; }
.flow-graph .edge-label { font-size:11px; fill:#374151; }
.flow-graph .edge-label-bg { fill:#fff; fill-opacity:.9; }
.panel-box { position:sticky; top:8px; min-width:0; }
.graph-col, .def-col { min-width:0; }
.table-scroll { overflow-x:auto; }
.step-panel { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
.panel-head { display:flex; align-items:center; gap:10px; } .panel-head h3 { margin:0; flex:1; }
.panel-head .close { border:none; font-size:18px; padding:0 6px; }
.timings { display:grid; grid-template-columns:1fr 1fr; gap:4px 12px; margin:8px 0; }
.field-label { font-size:11px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
.data .field { margin-bottom:8px; }
.errors { background:#fef2f2; border-radius:6px; padding:6px 8px; margin-bottom:8px; }
table.attempts td, table.attempts th { font-size:12px; padding:3px 5px; }
table.history td { font-size:12px; } td.detail { max-width:560px; word-break:break-all; }
td.event-type.bad { color:#b91c1c; font-weight:600; }
.hint { padding:10px; border:1px dashed var(--line); border-radius:8px; }
@media (max-width: 1100px) { .split, .two-col, .io { grid-template-columns:1fr; } }
`;
