// FastWorker's dashboard: plain ES modules, no build step. Data comes from the same HTTP API clients use; with API
// keys on, the key the operator types is sent as a bearer token and kept in this tab's sessionStorage only.
//
// Memory stays bounded however long a page is open: each page replaces its DOM on every redraw, the overview keeps at
// most Activity.KEPT samples, and the event-stream reader keeps nothing but the frame it is reading.
const page = document.getElementById('page');
const statusLine = document.getElementById('status');
const login = document.getElementById('login');
const API = new URL('..', document.baseURI); // the control plane's root path (the UI is served at <root>/ui/)
const KEPT_SAMPLES = 600;
const PAGE_SIZE = 50;
const FINISHED = ['success', 'failure', 'cancelled'];

/** What leaving the current page stops: timers, streams, charts. */
let leaving = [];

function onLeave(fn) {
  leaving.push(fn);
}

function leave() {
  leaving.splice(0).forEach(fn => fn());
}

function key() {
  return sessionStorage.getItem('fastworker-key');
}

function headers(accept) {
  const h = {Accept: accept};
  if (key()) {
    h.Authorization = 'Bearer ' + key();
  }
  return h;
}

async function api(path, options = {}) {
  const r = await fetch(new URL(path, API), Object.assign({}, options, {headers: headers('application/json')}));
  if (r.status === 401) {
    showLogin(key() ? 'That key was refused.' : '');
    throw new Error('unauthenticated');
  }
  const body = r.status === 204 ? null : await r.json();
  if (!r.ok) {
    throw new Error(body && body.detail ? body.detail : 'HTTP ' + r.status);
  }
  return body;
}

function showLogin(message) {
  leave();
  page.replaceChildren();
  login.hidden = false;
  document.getElementById('login-error').textContent = message;
  document.getElementById('key').focus();
}

login.addEventListener('submit', e => {
  e.preventDefault();
  sessionStorage.setItem('fastworker-key', document.getElementById('key').value.trim());
  settings = null; // another key may see other things
  document.getElementById('key').value = '';
  login.hidden = true;
  route();
});

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') {
      e.textContent = v;
    } else if (v !== null && v !== undefined) {
      e.setAttribute(k, v);
    }
  }
  e.append(...children.filter(c => c !== null && c !== undefined));
  return e;
}

function table(id, caption, headings, rows) {
  for (const row of rows) {
    [...row.children].forEach((cell, i) => cell.setAttribute('data-label', headings[i]));
  }
  return el('table', {id},
    el('caption', {text: caption}),
    el('thead', {}, el('tr', {}, ...headings.map(h => el('th', {scope: 'col', text: h})))),
    el('tbody', {}, ...rows));
}

function time(t) {
  return t ? new Date(t).toLocaleTimeString() : '';
}

function report(e) {
  if (e.message !== 'unauthenticated') {
    statusLine.textContent = e.message;
  }
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Shows a page's content, unless another page has been chosen since this one (`shown`) started: an answer that comes
 * back after its page was left is dropped, never drawn over the page now shown.
 */
function show(shown, ...children) {
  if (shown === generation) {
    page.replaceChildren(...children);
  }
}

/**
 * Renders now and then at most once a second (never two at once), until the page changes. The render is given the
 * page's generation, to pass to show().
 */
function every(render) {
  const shown = generation;
  let busy = false;
  const tick = async () => {
    if (busy) {
      return;
    }
    busy = true;
    try {
      await render(shown);
      if (shown === generation) {
        statusLine.textContent = 'updated ' + new Date().toLocaleTimeString();
      }
    } catch (e) {
      if (shown === generation) {
        report(e);
      }
    } finally {
      busy = false;
    }
  };
  tick();
  const timer = setInterval(tick, 1000);
  onLeave(() => clearInterval(timer));
}

/**
 * Redraws when the event stream (GET /events) tells of a change, at most once a second. EventSource cannot send a
 * bearer token, so the stream is read with fetch. Where the stream cannot be had (refused, or cut), the page polls
 * once a second instead until it can be had again.
 */
function live(query, render) {
  let dirty = true;
  let streaming = false;
  const controller = new AbortController();
  onLeave(() => controller.abort());
  every(async shown => {
    if (dirty || !streaming) {
      dirty = false;
      await render(shown);
    }
  });
  (async () => {
    while (!controller.signal.aborted) {
      try {
        const r = await fetch(new URL('events' + query, API), {headers: headers('text/event-stream'),
          signal: controller.signal});
        if (r.ok) {
          streaming = true;
          const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const {value, done} = await reader.read();
            if (done) {
              break;
            }
            buffer += value;
            const end = buffer.lastIndexOf('\n\n');
            if (end >= 0) {
              // Only whether something changed matters; the frames themselves are not kept.
              if (/^event:/m.test(buffer.slice(0, end))) {
                dirty = true;
              }
              buffer = buffer.slice(end + 2);
            }
          }
        }
      } catch (e) {
        // aborted on leaving, or the stream broke: poll, then try again
      }
      streaming = false;
      dirty = true;
      await sleep(3000);
    }
  })();
}

/** What an action came to; it stays shown until the next action or another page. */
function notice(text, failed) {
  const n = document.getElementById('notice');
  n.textContent = text;
  n.className = failed ? 'failed' : 'done';
  n.hidden = !text;
}

/** A button that asks before it acts, then says how it went and redraws the page. */
function action(id, label, question, act) {
  const b = el('button', {id, type: 'button', text: label});
  b.addEventListener('click', async () => {
    if (confirm(question)) {
      try {
        await act();
        notice(label + ': done.', false);
      } catch (e) {
        if (e.message !== 'unauthenticated') {
          notice(label + ' was refused: ' + e.message, true);
        }
      }
      route();
    }
  });
  return b;
}

// --- overview ---------------------------------------------------------------------------------------------------

async function overviewPage() {
  const shown = generation;
  const echarts = await import('./vendor/echarts/echarts.esm.min.js');
  if (shown !== generation) {
    return; // another page was chosen while the chart library loaded
  }
  const throughput = el('div', {id: 'throughput-chart', class: 'chart', role: 'img',
    'aria-label': 'Tasks per second over the last minutes, by status'});
  const depth = el('div', {id: 'depth-chart', class: 'chart', role: 'img',
    'aria-label': 'Queue depth per priority over the last minutes'});
  const now = el('div', {id: 'overview-now'});
  page.replaceChildren(el('h2', {text: 'Overview'}), now, el('div', {class: 'charts'},
    el('section', {}, el('h3', {text: 'Throughput (tasks per second)'}), throughput),
    el('section', {}, el('h3', {text: 'Queue depth'}), depth)));
  const charts = [echarts.init(throughput), echarts.init(depth)];
  // Follow the container, not only the window: a scroll bar appearing narrows it too.
  const resizing = new ResizeObserver(() => charts.forEach(c => c.resize()));
  resizing.observe(throughput);
  resizing.observe(depth);
  onLeave(() => {
    resizing.disconnect();
    charts.forEach(c => c.dispose());
  });
  const samples = [];
  const line = name => ({name, type: 'line', showSymbol: false, data: []});
  const rates = [['submitted', 'submitted'], ['succeeded', 'succeeded'], ['failed', 'failed'],
    ['cancelled', 'cancelled'], ['retried', 'retried']];
  const priorities = ['critical', 'high', 'normal', 'low'];
  const base = names => ({animation: false, tooltip: {trigger: 'axis'}, legend: {data: names, top: 0},
    grid: {left: 48, right: 16, top: 36, bottom: 24}, xAxis: {type: 'time'}, yAxis: {type: 'value', minInterval: 1}});
  charts[0].setOption(Object.assign(base(rates.map(r => r[0])), {series: rates.map(([n]) => line(n))}));
  charts[1].setOption(Object.assign(base(priorities), {series: priorities.map(p => line(p))}));
  every(async () => {
    const last = samples.length ? samples[samples.length - 1].at : 0;
    const o = await api('overview?since=' + last);
    samples.push(...o.samples);
    samples.splice(0, Math.max(0, samples.length - KEPT_SAMPLES));
    charts[0].setOption({series: rates.map(([name, field]) => ({name, data: samples.map(s => [s.at, s[field]])}))});
    charts[1].setOption({series: priorities.map(p => ({name: p, data: samples.map(s => [s.at, s.queued[p]])}))});
    if (performance.getEntriesByName('fastworker-overview-drawn').length === 0) {
      performance.mark('fastworker-overview-drawn'); // how long the first view took, for whoever measures it
    }
    const peak = field => samples.reduce((m, s) => Math.max(m, s[field]), 0);
    const sum = field => samples.reduce((n, s) => n + s[field], 0);
    const minutes = Math.max(1, Math.round(samples.length / 60));
    throughput.setAttribute('aria-label', 'Tasks per second over the last ' + minutes + ' min: '
      + sum('submitted') + ' submitted in all, at most ' + peak('submitted') + ' a second; ' + sum('succeeded')
      + ' succeeded, ' + sum('failed') + ' failed');
    depth.setAttribute('aria-label', 'Queue depth per priority over the last ' + minutes + ' min: now '
      + priorities.map(p => o.queued[p] + ' ' + p).join(', '));
    const latest = samples.length ? samples[samples.length - 1] : null;
    now.replaceChildren(
      table('queued', 'Queued now, by priority', priorities, [el('tr', {},
        ...priorities.map(p => el('td', {'data-priority': p, text: o.queued[p]})))]),
      table('rates', 'Last second', rates.map(r => r[0]), [el('tr', {},
        ...rates.map(([, f]) => el('td', {'data-rate': f, text: latest ? latest[f] : 0})))]),
      o.waiting.length === 0 ? el('p', {id: 'waiting-none', text: 'No queued task is held back.'})
        : table('waiting', 'Queued tasks that cannot start now', ['Task', 'Queued', 'Why'],
          o.waiting.map(w => el('tr', {'data-waiting': w.task},
            el('td', {}, el('a', {href: '#/tasks?status=queued&task=' + encodeURIComponent(w.task), text: w.task})),
            el('td', {text: w.queued}),
            el('td', {text: w.reason === 'limit' ? 'held by its limit' : 'no connected worker offers it'})))));
  });
}

// --- workers ----------------------------------------------------------------------------------------------------

function workersPage() {
  const headings = ['Id', 'Kind', 'State', 'Concurrency', 'In flight', 'Completed', 'Failures', 'Last seen', 'Tasks'];
  const row = w => el('tr', {'data-worker': w.id, 'data-state': w.state, class: w.state === 'lost' ? 'lost' : null},
    el('td', {text: w.id}), el('td', {text: w.kind}),
    el('td', {class: 'state', text: w.state + (w.reason ? ' (' + w.reason + ')' : '')}),
    el('td', {text: w.concurrency}), el('td', {text: w.inFlight}), el('td', {class: 'completed', text: w.completed}),
    el('td', {class: 'failures', text: w.failures}), el('td', {text: time(w.lastSeen)}),
    el('td', {text: w.tasks.join(', ')}));
  every(async shown => {
    const [workers, gone] = await Promise.all([api('workers'), api('workers/gone')]);
    show(shown, el('h2', {text: 'Workers'}), table('workers', 'Connected executors', headings,
      workers.map(row)), gone.length === 0 ? el('p', {id: 'gone-none', text: 'No subworker left in the last hour.'})
      : table('gone', 'Subworkers gone in the last hour', headings, gone.map(row)));
  });
}

// --- tasks ------------------------------------------------------------------------------------------------------

function hashParams() {
  return new URLSearchParams(location.hash.split('?')[1] || '');
}

function filterForm(id, fields, params, target) {
  const form = el('form', {class: 'filters', id}, ...fields.map(([name, label, options]) => {
    const inputId = id + '-' + name;
    if (options) {
      const select = el('select', {name, id: inputId}, ...options.map(s => {
        const o = el('option', {value: s, text: s || 'any'});
        o.selected = (params.get(name) || '') === s;
        return o;
      }));
      return el('div', {}, el('label', {for: inputId, text: label}), select);
    }
    return el('div', {}, el('label', {for: inputId, text: label}),
      el('input', {name, id: inputId, value: params.get(name) || ''}));
  }), el('button', {type: 'submit', text: 'Filter'}));
  form.addEventListener('submit', e => {
    e.preventDefault();
    location.hash = target + '?' + new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
  });
  return form;
}

/** Newer / older links that keep the filters and move the offset by one page. */
// An ISO-8601 duration as people say it: PT2S is "2 s", PT90M "1 h 30 min", PT48H "2 d" (else as written).
function spoken(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso || '');
  if (!m) {
    return iso;
  }
  let seconds = Number(m[1] || 0) * 86400 + Number(m[2] || 0) * 3600 + Number(m[3] || 0) * 60 + Number(m[4] || 0);
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60]]) {
    if (seconds >= size) {
      parts.push(Math.floor(seconds / size) + ' ' + unit);
      seconds %= size;
    }
  }
  if (seconds > 0 || parts.length === 0) {
    parts.push(Math.round(seconds * 1000) / 1000 + ' s');
  }
  return parts.join(' ');
}

function pager(target, params, shown, total) {
  const offset = Number(params.get('offset') || 0);
  const to = o => {
    const p = new URLSearchParams(params);
    p.set('offset', String(Math.max(0, o)));
    return target + '?' + p;
  };
  const nav = el('nav', {class: 'pager', 'aria-label': 'Pages of results'});
  if (offset > 0) {
    nav.append(el('a', {id: 'newer', href: to(offset - PAGE_SIZE), text: '← Newer'}));
  }
  nav.append(el('span', {id: 'showing', text: shown === 0 ? 'none' : (offset + 1) + '–' + (offset + shown)
    + (total === undefined ? '' : ' of ' + total)}));
  if (shown === PAGE_SIZE && (total === undefined || offset + shown < total)) {
    nav.append(el('a', {id: 'older', href: to(offset + PAGE_SIZE), text: 'Older →'}));
  }
  return nav;
}

function tasksPage() {
  const params = hashParams();
  if (params.get('id')) {
    location.hash = '#/tasks/' + encodeURIComponent(params.get('id'));
    return;
  }
  const list = el('div', {id: 'task-list'});
  page.replaceChildren(el('h2', {text: 'Tasks'}), filterForm('filters', [['status', 'Status', ['', 'queued',
    'scheduled', 'running', 'cancelling', 'retrying', 'success', 'failure', 'cancelled']], ['task', 'Task'], ['id', 'Id']],
  params, '#/tasks'), list);
  const q = new URLSearchParams({limit: String(PAGE_SIZE), offset: params.get('offset') || '0'});
  for (const f of ['status', 'task']) {
    if (params.get(f)) {
      q.set(f, params.get(f));
    }
  }
  live(params.get('task') ? '?task=' + encodeURIComponent(params.get('task')) : '', async () => {
    const tasks = await api('tasks?' + q);
    list.replaceChildren(table('tasks', 'Recent tasks, newest first', ['Id', 'Task', 'Status', 'Priority',
      'Attempts', 'Submitted', 'Worker'], tasks.items.map(t => el('tr', {'data-task': t.id},
      el('td', {}, el('a', {href: '#/tasks/' + encodeURIComponent(t.id), text: t.id})),
      el('td', {text: t.task}), el('td', {class: 'status', text: t.status}, progressBar(t)),
      el('td', {text: t.priority}),
      el('td', {text: t.attempts + '/' + t.maxAttempts}), el('td', {text: time(t.submittedAt)}),
      el('td', {text: t.worker || ''})))), pager('#/tasks', params, tasks.items.length, tasks.total));
  });
}

let settings = null;

async function traceLink(traceId) {
  if (!traceId) {
    return null;
  }
  settings = settings || await api('ui/settings');
  return settings.traceUrl
    ? el('a', {href: settings.traceUrl.replace('{traceId}', traceId), target: '_blank', rel: 'noopener',
      text: traceId})
    : traceId;
}

async function drawTask(id, shown) {
  settings = settings || await api('ui/settings');
  // an admin sees the arguments (unless fastworker.api.args-visible=false); nobody else asks for them
  const t = await api('tasks/' + encodeURIComponent(id) + (settings.argsVisible ? '?include=args' : ''));
  const actions = el('p', {});
  const path = 'tasks/' + encodeURIComponent(id);
  if (['queued', 'scheduled', 'retrying', 'running'].includes(t.status)) {
    actions.append(action('cancel', 'Cancel this task', 'Cancel task ' + id + '?' + (t.status === 'running'
      ? ' It runs: its executor is asked to stop it.' : ''), () => api(path, {method: 'DELETE'})));
  }
  if (t.status === 'failure') {
    actions.append(action('retry', 'Retry this task', 'Run task ' + id + ' again?',
      () => api(path + '/retry', {method: 'POST'})));
  }
  const facts = el('dl', {id: 'task-facts'});
  for (const [label, value] of [['Task', t.task], ['Status', t.status], ['Priority', t.priority],
    ['Attempts', t.attempts + '/' + t.maxAttempts], ['Submitted', t.submittedAt], ['Scheduled for', t.scheduledFor],
    ['Started', t.startedAt], ['Finished', t.finishedAt], ['Worker', t.worker], ['Progress', progressOf(t)],
    ['Schedule', t.schedule ? t.schedule.id + ' (tick ' + t.schedule.tick + ')' : null],
    ['Chain', t.chain ? t.chain.id + ' step ' + (t.chain.step + 1) + ' of ' + t.chain.steps : null],
    ['Group', t.group ? t.group.id + ' member ' + (t.group.index + 1) + ' of ' + t.group.size : null],
    ['Callback', t.callback ? t.callback.state + ' ' + (t.callback.url || '') : null],
    ['Trace', await traceLink(t.traceId)]]) {
    if (value !== null && value !== undefined) {
      facts.append(el('dt', {text: label}), el('dd', {'data-fact': label.toLowerCase(), 'aria-label': label}, value));
    }
  }
  const result = JSON.stringify(t.status === 'failure' ? t.error : t.result, null, 2) || '';
  show(shown, el('h2', {text: 'Task ' + id}), facts, actions,
    table('attempts', 'Attempts', ['#', 'Worker', 'Started', 'Finished', 'Error'],
      (t.history || []).map(a => el('tr', {}, el('td', {text: a.number}), el('td', {text: a.worker || ''}),
        el('td', {text: a.startedAt}), el('td', {text: a.finishedAt}),
        el('td', {text: a.error ? a.error.type + ': ' + a.error.message : ''})))),
    el('h3', {text: t.status === 'failure' ? 'Error' : 'Result'}),
    el('pre', {id: 'result', text: result.length > 10000 ? result.slice(0, 10000) + '…' : result}),
    ...argumentsOf(t));
  return t;
}

/** A bar for a running task's latest progress report; null without one. */
function progressBar(t) {
  if (!t.progress) {
    return null;
  }
  const percent = Math.round(t.progress.fraction * 100) + '%';
  return el('progress', {max: '1', value: String(t.progress.fraction), 'aria-label': percent,
    title: percent + (t.progress.message ? ': ' + t.progress.message : '')});
}

/** The progress fact of a task's page: its bar, the percentage and the message. */
function progressOf(t) {
  if (!t.progress) {
    return null;
  }
  return el('span', {id: 'progress'}, progressBar(t), ' ' + Math.round(t.progress.fraction * 100) + '%'
    + (t.progress.message ? ' ' + t.progress.message : '') + ' (' + time(t.progress.at) + ')');
}

/** The task's arguments, for those allowed to see them (fetched with ?include=args): none for anybody else. */
function argumentsOf(t) {
  if (!('arguments' in t)) {
    return [];
  }
  const text = t.arguments ? JSON.stringify(t.arguments, null, 2) : 'No longer kept: arguments are kept until a task '
    + 'finishes and, once it has failed, while it is a dead letter.';
  return [el('h3', {text: 'Arguments'}),
    el('pre', {id: 'arguments', text: text.length > 10000 ? text.slice(0, 10000) + '…' : text})];
}

function taskPage(id) {
  let t = null;
  // Live while the task can still change; a finished one stays as it is (and its buttons stay put).
  live('?id=' + encodeURIComponent(id), async shown => {
    if (t === null || !FINISHED.includes(t.status)) {
      t = await drawTask(id, shown);
    }
  });
}

// --- dead letters, schedules, limits -----------------------------------------------------------------------------

function deadLettersPage() {
  const params = hashParams();
  const list = el('div', {id: 'dead-letter-list'});
  page.replaceChildren(el('h2', {text: 'Dead letters'}), filterForm('dead-letter-filters', [['task', 'Task'],
    ['errorType', 'Error type']], params, '#/dead-letters'), list);
  const q = new URLSearchParams({limit: String(PAGE_SIZE), offset: params.get('offset') || '0'});
  const matching = new URLSearchParams();
  for (const f of ['task', 'errorType']) {
    if (params.get(f)) {
      q.set(f, params.get(f));
      matching.set(f, params.get(f));
    }
  }
  every(async () => {
    const dead = await api('dead-letters?' + q);
    const all = dead.total === 0 ? '' : action('retry-all', 'Retry all ' + dead.total,
      'Run again all ' + dead.total + ' dead letters that match' + (dead.total > 10000 ? ' (10,000 now; ask again for '
        + 'the rest)' : '') + '?', () => api('dead-letters/retry?' + matching, {method: 'POST'}));
    list.replaceChildren(all, table('dead-letters', 'Failed tasks kept, newest failure first', ['Id', 'Task', 'Failed',
      'Error', 'Attempts', 'Actions'], dead.items.map(t => {
      const path = encodeURIComponent(t.id);
      return el('tr', {'data-task': t.id},
        el('td', {}, el('a', {href: '#/tasks/' + path, text: t.id})), el('td', {text: t.task}),
        el('td', {text: time(t.finishedAt)}),
        el('td', {text: t.error ? t.error.type + ': ' + t.error.message : ''}),
        el('td', {text: t.attempts + '/' + t.maxAttempts}),
        el('td', {}, action('retry-' + t.id, 'Retry', 'Run task ' + t.id + ' again?',
          () => api('tasks/' + path + '/retry', {method: 'POST'})), ' ',
        action('delete-' + t.id, 'Delete', 'Delete the dead letter of task ' + t.id + '? It cannot be retried then.',
          () => api('dead-letters/' + path, {method: 'DELETE'}))));
    })), pager('#/dead-letters', params, dead.items.length, dead.total));
  });
}

function schedulesPage() {
  every(async shown => {
    const schedules = await api('schedules');
    show(shown, el('h2', {text: 'Schedules'}), table('schedules', 'Periodic schedules', ['Id', 'Task',
      'When', 'Source', 'State', 'Next run', 'Last run', 'Actions'], schedules.map(s => {
      const path = 'schedules/' + encodeURIComponent(s.id);
      const when = s.cron ? s.cron + (s.timezone ? ' (' + s.timezone + ')' : '') : 'every ' + spoken(s.every);
      const last = s.lastRun;
      return el('tr', {'data-schedule': s.id},
        el('td', {text: s.id}), el('td', {text: s.task}), el('td', {text: when}), el('td', {text: s.source}),
        el('td', {class: 'state', text: s.paused ? 'paused' : 'active'}),
        el('td', {text: s.paused ? '' : (s.nextFireAt || '')}),
        el('td', {}, last ? el('a', {href: '#/tasks/' + encodeURIComponent(last.taskId),
          text: last.tick + (last.status ? ' (' + last.status + ')' : '')}) : ''),
        el('td', {}, s.paused
          ? action('resume-' + s.id, 'Resume', 'Resume schedule ' + s.id + '?', () => api(path + '/resume',
            {method: 'POST'}))
          : action('pause-' + s.id, 'Pause', 'Pause schedule ' + s.id + '? No run starts until it is resumed.',
            () => api(path + '/pause', {method: 'POST'}))));
    })));
  });
}

function limitsPage() {
  every(async shown => {
    const limits = await api('limits');
    show(shown, el('h2', {text: 'Limits'}), table('limits', 'Limits per task', ['Task', 'Max concurrency',
      'Rate', 'Source', 'Running', 'Waiting'], limits.map(l => el('tr', {'data-limit': l.task},
      el('td', {text: l.task}), el('td', {text: l.maxConcurrency ?? ''}), el('td', {text: l.rateLimit ?? ''}),
      el('td', {text: l.source}), el('td', {text: l.running}), el('td', {class: 'waiting', text: l.waiting})))));
  });
}

// --- routing ----------------------------------------------------------------------------------------------------

const PAGES = [['#/overview', overviewPage], ['#/workers', workersPage], ['#/tasks/', null], ['#/tasks', tasksPage],
  ['#/dead-letters', deadLettersPage], ['#/schedules', schedulesPage], ['#/limits', limitsPage]];

/** Counts page changes, so that a page still loading can tell it is no longer shown. */
let generation = 0;

async function route() {
  leave();
  generation++;
  statusLine.textContent = 'loading…';
  const hash = location.hash || '#/overview';
  for (const a of document.querySelectorAll('nav a')) {
    if (hash.startsWith(a.getAttribute('href'))) {
      a.setAttribute('aria-current', 'page');
    } else {
      a.removeAttribute('aria-current');
    }
  }
  try {
    if (hash.startsWith('#/tasks/')) {
      taskPage(decodeURIComponent(hash.slice('#/tasks/'.length)));
    } else {
      const [, show] = PAGES.find(([prefix, fn]) => fn && hash.startsWith(prefix)) || PAGES[0];
      await show();
    }
  } catch (e) {
    report(e);
  }
}

// A page chosen from the navigation moves focus to its content (the first load leaves focus where it is).
window.addEventListener('hashchange', async () => {
  notice('', false);
  await route();
  document.getElementById('main').focus({preventScroll: true});
});
route();
