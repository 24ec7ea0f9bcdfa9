export { FASHION_SETTINGS, FULL_SETTINGS, MAIN_SETTINGS, STUDY_PRESETS, tinySettings, type StudyPreset, epochsOf, rampOf, ACTIVATIONS, type PaperScaleSettings, type StudyActivation, type StudyDataset } from './settings.js';
export { planStages, modelId, type Stage, type EvalStage, type ModelKey } from './stages.js';
export { runStudy, type StudyOptions } from './pipeline.js';
export { studyPaths, readBudget } from './paths.js';
export { measureBudget, measureTimings, computePlan, passesPerExample, type Budget, type PlannedStage, type Timings } from './budget.js';
export { writeStudyReport, type StudyReportInput } from './report.js';
export { collectResults, type ModelResult, type StrongResult, type AttackCost, type TrainRecord, type Count } from './results.js';
export { readLedger, type Ledger, type StageRecord, type Rebuild, type EpochNumbers, type Restore } from './ledger.js';
export { restoreStudy, STATE_DIR } from './restore.js';
