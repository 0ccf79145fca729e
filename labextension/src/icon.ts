import { LabIcon } from '@jupyterlab/ui-components';

const provenanceSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="6" cy="5" r="2.6"/>
    <circle cx="6" cy="19" r="2.6"/>
    <circle cx="18" cy="12" r="2.6"/>
    <path d="M6 7.5v9h1.6v-9zM7.9 6.3l8.3 4.6.8-1.4-8.3-4.6zM7.9 17.7l8.3-4.6-.8-1.4-8.3 4.6z"/>
  </g>
</svg>`;

const stageSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 4h9.6l8.4 8-8.4 8H3zm2 2v12h6.8l6.3-6-6.3-6zm3 4.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z"/>
</svg>`;

export const provenanceIcon = new LabIcon({ name: 'nbprov:provenance', svgstr: provenanceSvg });
export const stageIcon = new LabIcon({ name: 'nbprov:stage', svgstr: stageSvg });
