/**
 * nbprov in JupyterLab: stage badges on code cells, commands to set a cell's stage, and
 * the provenance side panel. The data comes from the nbprov server extension.
 */
import {
  ILabShell,
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, InputDialog, MainAreaWidget } from '@jupyterlab/apputils';
import type { Cell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import { Menu, Widget } from '@lumino/widgets';

import { NbprovApi } from './api';
import { NotebookBadges } from './badges';
import { KernelTrial } from './kernel';
import { provenanceIcon, stageIcon } from './icon';
import { NotebookProvenance } from './model/notebook';
import { ProvenanceModel } from './model/provenance';
import type { ICellTarget } from './model/provenance';
import { PANEL_ID, ProvenancePanel } from './panel';
import { sha256Hex } from './sha256';
import { linkCells, type OpenGraph } from './views/lineage';
import { GraphZoom, NATURAL_SCALE } from './zoom';
import { METADATA_KEY, STANDARD_STAGES, isValidStage, stageFromMetadata, withStage } from './stage';

/** How often the open panel looks for trials written elsewhere. */
const POLL_MS = 1500;

export namespace CommandIDs {
  export const setStage = 'nbprov:set-stage';
  export const clearStage = 'nbprov:clear-stage';
  export const stageMenu = 'nbprov:stage-menu';
  export const openPanel = 'nbprov:open-panel';
  export const refresh = 'nbprov:refresh';
  export const runStale = 'nbprov:run-stale';
}

/** The code cells a stage command acts on: the selection, else the active cell. */
function targetCells(panel: NotebookPanel): Cell[] {
  const notebook = panel.content;
  const selected = notebook.widgets.filter(cell => notebook.isSelectedOrActive(cell));
  return selected.filter(cell => cell.model.type === 'code');
}

function setStage(cells: Cell[], stage: string | null): void {
  for (const cell of cells) {
    const next = withStage(cell.model.getMetadata(METADATA_KEY), stage);
    if (next === undefined) {
      cell.model.deleteMetadata(METADATA_KEY);
    } else {
      cell.model.setMetadata(METADATA_KEY, next);
    }
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'nbprov:plugin',
  description: 'Provenance of notebook work: stage badges and the nbprov panel.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    labShell: ILabShell | null
  ): void => {
    const api = new NbprovApi(app.serviceManager.serverSettings);
    const models = new Map<NotebookPanel, NotebookProvenance>();
    const allBadges = new Map<NotebookPanel, NotebookBadges>();

    const openLarge: OpenGraph = (title, svg, onCell) => {
      const content = new Widget();
      content.addClass('jp-nbprov-graph-main');
      const card = document.createElement('div');
      card.className = 'jp-nbprov-graph';
      card.tabIndex = 0;
      card.setAttribute('role', 'group');
      card.setAttribute('aria-label', title);
      card.appendChild(svg);
      const note = document.createElement('p');
      note.className = 'jp-nbprov-graph-note';
      note.setAttribute('aria-live', 'polite');
      const zoom = new GraphZoom(card);
      content.node.append(zoom.controls, card, note);
      linkCells(svg, onCell, note);
      const widget = new MainAreaWidget({ content });
      widget.id = `nbprov-graph-${Date.now()}`;
      widget.title.label = title;
      widget.title.icon = provenanceIcon;
      widget.title.closable = true;
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      // Full size in the tab: the graph's own size, or the tab's width when that is wider.
      requestAnimationFrame(() => {
        zoom.setSvg(svg);
        zoom.setScale(Math.max(zoom.scale, NATURAL_SCALE));
      });
      widget.disposed.connect(() => zoom.dispose());
    };
    const provenance = new ProvenanceModel(api);
    // A click on a cell of a lineage graph: select that cell and scroll it into view.
    const revealCell = (target: ICellTarget): string | null => {
      const which =
        target.executionCount === null ? 'This cell' : `Cell [${target.executionCount}]`;
      const notebookPanel = [...models].find(([, model]) => model === provenance.notebook)?.[0];
      if (!notebookPanel) {
        return `${which}: its notebook is not open.`;
      }
      const cells = notebookPanel.content.widgets;
      let index = target.cellId ? cells.findIndex(cell => cell.model.id === target.cellId) : -1;
      if (index < 0 && target.cellHash) {
        index = cells.findIndex(
          cell =>
            cell.model.type === 'code' &&
            sha256Hex(cell.model.sharedModel.getSource()) === target.cellHash
        );
      }
      if (index < 0) {
        return `${which} is no longer in the notebook.`;
      }
      app.shell.activateById(notebookPanel.id);
      const notebook = notebookPanel.content;
      notebook.activeCellIndex = index;
      notebook.deselectAll();
      void notebook.scrollToCell(cells[index]).catch(() => undefined);
      return null;
    };
    const panel = new ProvenancePanel(provenance, openLarge, revealCell);
    panel.title.icon = provenanceIcon;
    panel.title.caption = 'Provenance (nbprov): trials, comparison, charts, lineage';
    app.shell.add(panel, 'right', { rank: 700 });
    restorer?.add(panel, PANEL_ID);

    const follow = (): void => {
      const current = tracker.currentWidget;
      provenance.setNotebook(current ? (models.get(current) ?? null) : null);
    };

    tracker.widgetAdded.connect((_, notebookPanel) => {
      const kernelTrial = new KernelTrial(notebookPanel.sessionContext);
      const model = new NotebookProvenance(api, notebookPanel.context.path, () =>
        kernelTrial.ask()
      );
      models.set(notebookPanel, model);
      const badges = new NotebookBadges(notebookPanel, model);
      allBadges.set(notebookPanel, badges);
      notebookPanel.context.pathChanged.connect((_, path) => (model.path = path));
      // A restarted or changed kernel records another trial (or none).
      notebookPanel.sessionContext.statusChanged.connect((_, status) => {
        if (status === 'restarting' || status === 'autorestarting') {
          model.refreshSoon();
        }
      });
      notebookPanel.sessionContext.kernelChanged.connect(() => model.refreshSoon());
      notebookPanel.disposed.connect(() => {
        provenance.forget(model);
        allBadges.delete(notebookPanel);
        badges.dispose();
        model.dispose();
        models.delete(notebookPanel);
        follow();
      });
      void notebookPanel.context.ready.then(() => model.refresh());
      follow();
    });
    tracker.currentChanged.connect(follow);
    follow();

    // Trials written outside this kernel show up while the panel is open.
    setInterval(() => {
      if (panel.isVisible && document.visibilityState === 'visible') {
        void provenance.notebook?.poll();
      }
    }, POLL_MS);

    NotebookActions.executed.connect((_, { notebook }) => {
      for (const [notebookPanel, model] of models) {
        if (notebookPanel.content === notebook) {
          model.refreshSoon();
        }
      }
    });

    const { commands } = app;
    const current = (): NotebookPanel | null => tracker.currentWidget;

    commands.addCommand(CommandIDs.setStage, {
      label: args =>
        typeof args.stage === 'string' && args.stage ? args.stage : 'Set Cell Stage…',
      caption: 'Set the nbprov stage of the selected code cells (stored in cell metadata)',
      isEnabled: () => current() !== null,
      isToggled: args => {
        const notebookPanel = current();
        const cell = notebookPanel?.content.activeCell;
        return Boolean(args.stage && cell && stageFromMetadata(cell.model.metadata) === args.stage);
      },
      execute: async args => {
        const notebookPanel = current();
        if (!notebookPanel) {
          return;
        }
        const cells = targetCells(notebookPanel);
        let stage = typeof args.stage === 'string' ? args.stage : null;
        if (!stage) {
          const active = notebookPanel.content.activeCell;
          const result = await InputDialog.getItem({
            title: 'Set the nbprov stage of the selected cells',
            items: [...STANDARD_STAGES],
            current: active ? (stageFromMetadata(active.model.metadata) ?? '') : '',
            editable: true
          });
          if (!result.button.accept || !result.value) {
            return;
          }
          stage = result.value.trim();
        }
        if (!isValidStage(stage)) {
          await InputDialog.getText({ title: `"${stage}" is not a stage name (one word)` });
          return;
        }
        setStage(cells, stage);
      }
    });

    commands.addCommand(CommandIDs.clearStage, {
      label: 'Clear Cell Stage',
      caption: 'Remove the nbprov stage from the selected code cells',
      isEnabled: () => current() !== null,
      execute: () => {
        const notebookPanel = current();
        if (notebookPanel) {
          setStage(targetCells(notebookPanel), null);
        }
      }
    });

    const stageMenu = new Menu({ commands });
    stageMenu.addClass('jp-nbprov-stage-menu');
    stageMenu.title.label = 'nbprov Stage';
    for (const stage of STANDARD_STAGES) {
      stageMenu.addItem({ command: CommandIDs.setStage, args: { stage } });
    }
    stageMenu.addItem({ type: 'separator' });
    stageMenu.addItem({ command: CommandIDs.setStage });
    stageMenu.addItem({ command: CommandIDs.clearStage });

    commands.addCommand(CommandIDs.stageMenu, {
      label: 'Cell Stage',
      caption: 'Set this cell’s nbprov stage',
      icon: stageIcon,
      execute: () => {
        const cell = current()?.content.activeCell;
        const anchor = cell?.node.querySelector('.jp-cell-toolbar') ?? cell?.node ?? document.body;
        const rect = anchor.getBoundingClientRect();
        stageMenu.open(rect.left, rect.bottom);
      }
    });

    commands.addCommand(CommandIDs.openPanel, {
      label: 'Show Provenance Panel',
      caption: 'Provenance: trials, comparison, charts and lineage of this notebook (nbprov)',
      icon: provenanceIcon,
      execute: () => {
        if (labShell) {
          labShell.activateById(PANEL_ID);
        } else {
          app.shell.activateById(PANEL_ID);
        }
      }
    });

    commands.addCommand(CommandIDs.runStale, {
      label: 'Run Stale Cells',
      caption: 'Run the edited cells and the cells that read from them, in notebook order',
      isEnabled: () => {
        const notebookPanel = current();
        return Boolean(notebookPanel && allBadges.get(notebookPanel)?.staleCells.length);
      },
      execute: async () => {
        const notebookPanel = current();
        const badges = notebookPanel ? allBadges.get(notebookPanel) : undefined;
        if (!notebookPanel || !badges) {
          return;
        }
        const notebook = notebookPanel.content;
        for (const id of badges.cellsToRun) {
          const index = notebook.widgets.findIndex(cell => cell.model.id === id);
          if (index < 0) {
            continue;
          }
          notebook.activeCellIndex = index;
          notebook.deselectAll();
          if (!(await NotebookActions.run(notebook, notebookPanel.sessionContext))) {
            break; // a cell failed: stop there, as Run All does
          }
        }
      }
    });

    commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh Provenance',
      execute: async () => {
        const notebookPanel = current();
        await models.get(notebookPanel as NotebookPanel)?.refresh();
      }
    });

    if (palette) {
      const category = 'nbprov';
      palette.addItem({ command: CommandIDs.setStage, category });
      palette.addItem({ command: CommandIDs.clearStage, category });
      palette.addItem({ command: CommandIDs.openPanel, category });
      palette.addItem({ command: CommandIDs.refresh, category });
      palette.addItem({ command: CommandIDs.runStale, category });
    }
  }
};

export default plugin;
