import { LitElement, html, css } from 'lit';
import { JsonRpc } from 'jsonrpc';
import '@vaadin/grid';
import { columnBodyRenderer } from '@vaadin/grid/lit.js';
import '@vaadin/combo-box';
import '@vaadin/text-field';
import '@vaadin/button';

/** The tasks this application registers, with their options, and a form to submit one. */
export class QwcFastworkerTasks extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = css`
        :host { display: flex; flex-direction: column; gap: 10px; padding: 10px; height: 100%; }
        .form { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
        .args { min-width: 22em; }
        .ok { color: var(--lumo-success-text-color); }
        .refused { color: var(--lumo-error-text-color); }
        .grid { flex: 1; }
    `;

    static properties = {
        _tasks: { state: true },
        _task: { state: true },
        _args: { state: true },
        _answer: { state: true }
    };

    connectedCallback() {
        super.connectedCallback();
        this.jsonRpc.registered().then(r => {
            this._tasks = r.result;
            this._task = this._tasks.length ? this._tasks[0].name : null;
        });
    }

    render() {
        if (!this._tasks) {
            return html`<span>Loading tasks...</span>`;
        }
        return html`
            <div class="form">
                <vaadin-combo-box label="Task" .items="${this._tasks.map(t => t.name)}" .value="${this._task}"
                    @value-changed="${e => this._task = e.detail.value}"></vaadin-combo-box>
                <vaadin-text-field class="args" label="Arguments (a JSON array or object)" placeholder="[5, 3]"
                    .value="${this._args ?? ''}" @value-changed="${e => this._args = e.detail.value}">
                </vaadin-text-field>
                <vaadin-button theme="primary" @click="${this._submit}" ?disabled="${!this._task}">Submit</vaadin-button>
                ${this._renderAnswer()}
            </div>
            <vaadin-grid class="grid" .items="${this._tasks}" theme="no-border row-stripes">
                <vaadin-grid-column auto-width header="Task" path="name"></vaadin-grid-column>
                <vaadin-grid-column auto-width header="Parameters"
                    ${columnBodyRenderer(t => html`${t.parameters ? t.parameters.join(', ') : '(not known)'}`, [])}>
                </vaadin-grid-column>
                <vaadin-grid-column auto-width header="Priority" path="priority"></vaadin-grid-column>
                <vaadin-grid-column auto-width header="Timeout" path="timeout"></vaadin-grid-column>
                <vaadin-grid-column auto-width header="Retries"
                    ${columnBodyRenderer(t => html`${t.maxRetries} (${t.retryDelay}, x${t.retryBackoff}, at most ${t.retryBackoffMax})`, [])}>
                </vaadin-grid-column>
                <vaadin-grid-column auto-width header="Runs on"
                    ${columnBodyRenderer(t => html`${[t.local ? 'this process' : null, ...t.subworkers].filter(x => x).join(', ') || 'nothing connected'}`, [])}>
                </vaadin-grid-column>
            </vaadin-grid>`;
    }

    _renderAnswer() {
        if (!this._answer) {
            return html``;
        }
        return this._answer.id
            ? html`<span class="ok">Submitted: ${this._answer.id} (see Recent tasks)</span>`
            : html`<span class="refused">Refused: ${this._answer.error}</span>`;
    }

    _submit() {
        this.jsonRpc.submit({ task: this._task, args: this._args ?? '' }).then(r => this._answer = r.result);
    }
}
customElements.define('qwc-fastworker-tasks', QwcFastworkerTasks);
