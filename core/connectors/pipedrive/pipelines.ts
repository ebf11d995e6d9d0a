import type { PipedriveClient } from './client';
import { PipedriveError } from './errors';
import { COST } from './options';
import { NamedList, parseReply } from './schemas';

export interface PipelineInfo {
  id: number;
  name: string;
  stages: Array<{ id: number; name: string }>;
}

type Named = { id: number; name: string };

/** Pipelines and their stages, listed once per connector, to resolve deals' pipeline and stage names to IDs. */
export class PipedrivePipelines {
  private pipelineCache: Promise<Named[]> | null = null;
  private readonly stageCache = new Map<number, Promise<Named[]>>();

  constructor(private readonly client: PipedriveClient) {}

  private pipelineList(): Promise<Named[]> {
    this.pipelineCache ??= this.client
      .call('list pipelines', () => this.client.apis.pipelines.getPipelines(), COST.list)
      .then((reply) =>
        (parseReply(NamedList, reply, 'GET /api/v2/pipelines').data ?? []).map((p) => ({ id: p.id, name: p.name })),
      )
      .catch((error: unknown) => {
        this.pipelineCache = null;
        throw error;
      });
    return this.pipelineCache;
  }

  /** The stages of one pipeline (`GET /stages?pipeline_id=`), cached for the connector's life. */
  private stagesOf(pipelineId: number): Promise<Named[]> {
    let stages = this.stageCache.get(pipelineId);
    if (!stages) {
      stages = this.client
        .call(
          `list stages of pipeline ${pipelineId}`,
          () => this.client.apis.stages.getStages({ pipeline_id: pipelineId }),
          COST.list,
        )
        .then((reply) =>
          (parseReply(NamedList, reply, 'GET /api/v2/stages').data ?? []).map((st) => ({ id: st.id, name: st.name })),
        )
        .catch((error: unknown) => {
          this.stageCache.delete(pipelineId);
          throw error;
        });
      this.stageCache.set(pipelineId, stages);
    }
    return stages;
  }

  /** Pipelines with their stages, e.g. to map a stage name to its ID within a pipeline. */
  async list(): Promise<PipelineInfo[]> {
    const pipelines = await this.pipelineList();
    return Promise.all(pipelines.map(async (p) => ({ id: p.id, name: p.name, stages: await this.stagesOf(p.id) })));
  }

  /**
   * Replaces a pipeline or stage given by name with its ID. A stage name is looked up within the deal's pipeline
   * (by name or ID); without a pipeline it must be unique across pipelines.
   */
  async resolveStage(body: Record<string, unknown>): Promise<void> {
    const byName = (v: unknown) => v !== undefined && v !== null && typeof v !== 'number';
    if (!byName(body.pipeline_id) && !byName(body.stage_id)) return;
    const same = (a: string, b: unknown) => a.trim().toLowerCase() === String(b).trim().toLowerCase();
    const pipelines = await this.pipelineList();
    let pipeline: Named | undefined;
    if (byName(body.pipeline_id)) {
      pipeline = pipelines.find((p) => same(p.name, body.pipeline_id));
      if (!pipeline)
        throw new PipedriveError(
          `Unknown Pipedrive pipeline "${String(body.pipeline_id)}" (known: ${pipelines.map((p) => p.name).join(', ')})`,
        );
      body.pipeline_id = pipeline.id;
    } else if (typeof body.pipeline_id === 'number') {
      pipeline = pipelines.find((p) => p.id === body.pipeline_id);
    }
    if (!byName(body.stage_id)) return;
    const among = pipeline ? [pipeline] : pipelines;
    const candidates = (
      await Promise.all(
        among.map(async (p) =>
          (await this.stagesOf(p.id))
            .filter((st) => same(st.name, body.stage_id))
            .map((st) => ({ ...st, pipeline: p })),
        ),
      )
    ).flat();
    if (candidates.length === 0)
      throw new PipedriveError(
        `Unknown Pipedrive stage "${String(body.stage_id)}"${pipeline ? ` in pipeline "${pipeline.name}"` : ''}`,
      );
    if (candidates.length > 1) {
      throw new PipedriveError(
        `Stage "${String(body.stage_id)}" exists in several pipelines (${candidates.map((c) => c.pipeline.name).join(', ')}): give the pipeline too`,
      );
    }
    body.stage_id = candidates[0]!.id;
    // A deal moved to a stage by name also lands in that stage's pipeline.
    body.pipeline_id ??= candidates[0]!.pipeline.id;
  }
}
