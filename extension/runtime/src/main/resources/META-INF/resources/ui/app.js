// FastWorker's dashboard: plain ES modules, no build step. Data comes from the same HTTP API clients use; with API
// keys on, the key the operator types is sent as a bearer token and kept in this tab's sessionStorage only.
const page = document.getElementById('page');
const statusLine = document.getElementById('status');
const login = document.getElementById('login');
let timer = null;

function key() {
  return sessionStorage.getItem('fastworker-key');
}

async function api(path, options = {}) {
  const headers = Object.assign({Accept: 'application/json'}, options.headers || {});
  if (key()) {
    headers.Authorization = 'Bearer ' + key();
  }
  const r = await fetch(path, Object.assign({}, options, {headers}));
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
  stop();
  page.replaceChildren();
  login.hidden = false;
  document.getElementById('login-error').textContent = message;
  document.getElementById('key').focus();
}

login.addEventListener('submit', e => {
  e.preventDefault();
  sessionStorage.setItem('fastworker-key', document.getElementById('key').value.trim());
  document.getElementById('key').value = '';
  login.hidden = true;
  route();
});

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') {
      e.textContent = v;
    } else {
      e.setAttribute(k, v);
    }
  }
  e.append(...children.filter(c => c !== null && c !== undefined));
  return e;
}

function table(id, headings, rows) {
  return el('table', {id},
    el('thead', {}, el('tr', {}, ...headings.map(h => el('th', {scope: 'col', text: h})))),
    el('tbody', {}, ...rows));
}

function time(t) {
  return t ? new Date(t).toLocaleTimeString() : '';
}

function stop() {
  if (timer) {
    clearInterval(timer);
    timer = null;
  }
}

/** Renders now and again every second (never more often), until the page changes. */
function every(render) {
  stop();
  const tick = async () => {
    try {
      await render();
      statusLine.textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      if (e.message !== 'unauthenticated') {
        statusLine.textContent = e.message;
      }
    }
  };
  tick();
  timer = setInterval(tick, 1000);
}

async function workersPage() {
  const workers = await api('/workers');
  page.replaceChildren(el('h2', {text: 'Workers'}), table('workers', ['Id', 'Kind', 'State', 'Concurrency',
    'In flight', 'Completed', 'Last seen', 'Tasks'], workers.map(w => el('tr', {'data-worker': w.id},
    el('td', {text: w.id}), el('td', {text: w.kind}), el('td', {text: w.kind === 'control-plane' ? (w.active ? 'runs tasks' : 'dispatches only')
      : (w.active ? 'active' : 'draining')}),
    el('td', {text: w.concurrency}), el('td', {text: w.inFlight}), el('td', {class: 'completed', text: w.completed}),
    el('td', {text: time(w.lastSeen)}), el('td', {text: w.tasks.join(', ')})))));
}

function tasksPage() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const form = el('form', {class: 'filters', id: 'filters'},
    el('label', {}, 'Status', el('select', {name: 'status', id: 'filter-status'}, ...['', 'queued', 'scheduled',
      'running', 'retrying', 'success', 'failure', 'cancelled'].map(s => {
      const o = el('option', {value: s, text: s || 'any'});
      o.selected = params.get('status') === s;
      return o;
    }))),
    el('label', {}, 'Task', el('input', {name: 'task', id: 'filter-task', value: params.get('task') || ''})),
    el('label', {}, 'Id', el('input', {name: 'id', id: 'filter-id', value: params.get('id') || ''})),
    el('button', {type: 'submit', text: 'Filter'}));
  form.addEventListener('submit', e => {
    e.preventDefault();
    const q = new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
    location.hash = '#/tasks?' + q;
  });
  const list = el('div', {id: 'task-list'});
  page.replaceChildren(el('h2', {text: 'Tasks'}), form, list);
  every(async () => {
    if (params.get('id')) {
      location.hash = '#/tasks/' + encodeURIComponent(params.get('id'));
      return;
    }
    const q = new URLSearchParams({limit: '50'});
    for (const f of ['status', 'task']) {
      if (params.get(f)) {
        q.set(f, params.get(f));
      }
    }
    const tasks = await api('/tasks?' + q);
    list.replaceChildren(table('tasks', ['Id', 'Task', 'Status', 'Priority', 'Attempts', 'Submitted', 'Worker'],
      tasks.map(t => el('tr', {'data-task': t.id},
        el('td', {}, el('a', {href: '#/tasks/' + encodeURIComponent(t.id), text: t.id})),
        el('td', {text: t.task}), el('td', {class: 'status', text: t.status}), el('td', {text: t.priority}),
        el('td', {text: t.attempts + '/' + t.maxAttempts}), el('td', {text: time(t.submittedAt)}),
        el('td', {text: t.worker || ''})))));
  });
}

async function taskPage(id) {
  const t = await api('/tasks/' + encodeURIComponent(id));
  const actions = el('p', {});
  if (['queued', 'scheduled', 'retrying'].includes(t.status)) {
    const cancel = el('button', {id: 'cancel', type: 'button', text: 'Cancel this task'});
    cancel.addEventListener('click', async () => {
      if (confirm('Cancel task ' + id + '?')) {
        try {
          await api('/tasks/' + encodeURIComponent(id), {method: 'DELETE'});
        } catch (e) {
          statusLine.textContent = e.message;
        }
        taskPage(id);
      }
    });
    actions.append(cancel);
  }
  if (t.status === 'failure') {
    const retry = el('button', {id: 'retry', type: 'button', text: 'Retry this task'});
    retry.addEventListener('click', async () => {
      if (confirm('Run task ' + id + ' again?')) {
        try {
          await api('/tasks/' + encodeURIComponent(id) + '/retry', {method: 'POST'});
        } catch (e) {
          statusLine.textContent = e.message;
        }
        taskPage(id);
      }
    });
    actions.append(retry);
  }
  const facts = el('dl', {id: 'task-facts'});
  for (const [label, value] of [['Task', t.task], ['Status', t.status], ['Priority', t.priority],
    ['Attempts', t.attempts + '/' + t.maxAttempts], ['Submitted', t.submittedAt], ['Started', t.startedAt],
    ['Finished', t.finishedAt], ['Worker', t.worker],
    ['Schedule', t.schedule ? t.schedule.id + ' (tick ' + t.schedule.tick + ')' : null],
    ['Chain', t.chain ? t.chain.id + ' step ' + (t.chain.step + 1) + ' of ' + t.chain.steps : null],
    ['Group', t.group ? t.group.id + ' member ' + (t.group.index + 1) + ' of ' + t.group.size : null]]) {
    if (value !== null && value !== undefined) {
      facts.append(el('dt', {text: label}), el('dd', {'data-fact': label.toLowerCase(), text: value}));
    }
  }
  const result = JSON.stringify(t.status === 'failure' ? t.error : t.result, null, 2) || '';
  page.replaceChildren(el('h2', {text: 'Task ' + id}), facts, actions,
    el('h3', {text: 'Attempts'}), table('attempts', ['#', 'Worker', 'Started', 'Finished', 'Error'],
      (t.history || []).map(a => el('tr', {}, el('td', {text: a.number}), el('td', {text: a.worker || ''}),
        el('td', {text: a.startedAt}), el('td', {text: a.finishedAt}),
        el('td', {text: a.error ? a.error.type + ': ' + a.error.message : ''})))),
    el('h3', {text: t.status === 'failure' ? 'Error' : 'Result'}),
    el('pre', {id: 'result', text: result.length > 10000 ? result.slice(0, 10000) + '…' : result}));
  return t;
}

async function route() {
  stop();
  const hash = location.hash || '#/workers';
  for (const a of document.querySelectorAll('nav a')) {
    a.toggleAttribute('aria-current', hash.startsWith(a.getAttribute('href')));
    if (a.hasAttribute('aria-current')) {
      a.setAttribute('aria-current', 'page');
    }
  }
  try {
    if (hash.startsWith('#/tasks/')) {
      const id = decodeURIComponent(hash.slice('#/tasks/'.length));
      let t = await taskPage(id);
      // Live while the task can still change; a finished one stays as it is (and its buttons stay put).
      timer = setInterval(async () => {
        if (!['success', 'failure', 'cancelled'].includes(t.status)) {
          t = await taskPage(id).catch(() => t);
        }
      }, 1000);
    } else if (hash.startsWith('#/tasks')) {
      tasksPage();
    } else {
      every(workersPage);
    }
  } catch (e) {
    if (e.message !== 'unauthenticated') {
      statusLine.textContent = e.message;
    }
  }
}

window.addEventListener('hashchange', route);
route();
