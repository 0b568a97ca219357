// A model-based checker of the local flow engine: seeded random FDL v1 flows (pass, waitForCallback
// tasks with retry and catch, choice, parallel, foreach, wait, succeed, fail, gotos back, the
// flow's own mappings), a scripted worker that also sends late and duplicate reports, and an
// independent model of the same runs written from the FDL reference; the first difference is
// shrunk to a small flow and answer script. The model reads no engine code.
export { checkSeeds, type SeedsOutcome } from './check';
