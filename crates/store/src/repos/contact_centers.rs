use chrono::{DateTime, Utc};
use escalate_domain::contact_center::ContactCenterSettings;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::contact_center;
use crate::{ContactCenterRecord, Store, StoreError, TenantScope};

pub struct ContactCenterInput<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub settings: &'a ContactCenterSettings,
}

impl Store {
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "create_contact_center"))]
    pub async fn create_contact_center(
        &self,
        scope: TenantScope,
        input: ContactCenterInput<'_>,
        now: DateTime<Utc>,
    ) -> Result<ContactCenterRecord, StoreError> {
        let mut am = contact_center::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(scope.tenant_id()),
            created_at: Set(now),
            ..Default::default()
        };
        apply(&mut am, &input, now);
        Ok(am.insert(self.db()).await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "list_contact_centers"))]
    pub async fn list_contact_centers(&self, scope: TenantScope) -> Result<Vec<ContactCenterRecord>, StoreError> {
        Ok(contact_center::Entity::find()
            .filter(contact_center::Column::TenantId.eq(scope.tenant_id()))
            .order_by_asc(contact_center::Column::Name)
            .order_by_asc(contact_center::Column::Id)
            .all(self.db())
            .await?)
    }

    /// A page of the tenant's contact centers in the list's order (name, then
    /// id), after `after` (the last of the previous page), at most `limit`.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "contact_centers_page"))]
    pub async fn contact_centers_page(
        &self,
        scope: TenantScope,
        after: Option<&ContactCenterRecord>,
        limit: u64,
    ) -> Result<Vec<ContactCenterRecord>, StoreError> {
        use sea_orm::{Condition, QuerySelect};
        let mut q = contact_center::Entity::find().filter(contact_center::Column::TenantId.eq(scope.tenant_id()));
        if let Some(a) = after {
            q = q.filter(
                Condition::any().add(contact_center::Column::Name.gt(a.name.clone())).add(
                    Condition::all()
                        .add(contact_center::Column::Name.eq(a.name.clone()))
                        .add(contact_center::Column::Id.gt(a.id)),
                ),
            );
        }
        Ok(q.order_by_asc(contact_center::Column::Name)
            .order_by_asc(contact_center::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "contact_center"))]
    pub async fn contact_center(&self, scope: TenantScope, id: Uuid) -> Result<ContactCenterRecord, StoreError> {
        contact_center::Entity::find_by_id(id)
            .filter(contact_center::Column::TenantId.eq(scope.tenant_id()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "update_contact_center"))]
    pub async fn update_contact_center(
        &self,
        scope: TenantScope,
        id: Uuid,
        input: ContactCenterInput<'_>,
        now: DateTime<Utc>,
    ) -> Result<ContactCenterRecord, StoreError> {
        let mut am = self.contact_center(scope, id).await?.into_active_model();
        apply(&mut am, &input, now);
        Ok(am.update(self.db()).await?)
    }

    /// Deletes the contact center with its credentials and escalations.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "delete_contact_center"))]
    pub async fn delete_contact_center(&self, scope: TenantScope, id: Uuid) -> Result<(), StoreError> {
        let res = contact_center::Entity::delete_many()
            .filter(contact_center::Column::Id.eq(id))
            .filter(contact_center::Column::TenantId.eq(scope.tenant_id()))
            .exec(self.db())
            .await?;
        if res.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}

fn apply(am: &mut contact_center::ActiveModel, input: &ContactCenterInput<'_>, now: DateTime<Utc>) {
    let s = input.settings;
    am.name = Set(input.name.to_owned());
    am.slug = Set(input.slug.to_owned());
    am.display_name = Set(s.branding.display_name.clone());
    am.logo_url = Set(s.branding.logo_url.clone());
    am.primary_colour = Set(s.branding.primary_colour.clone());
    am.accent_colour = Set(s.branding.accent_colour.clone());
    am.headline = Set(s.branding.headline.clone());
    am.button_text = Set(s.branding.button_text.clone());
    am.locale = Set(s.branding.locale.clone());
    am.message_template = Set(s.message_template.clone());
    am.code_ttl_seconds = Set(s.code_ttl_seconds);
    am.token_ttl_seconds = Set(s.token_ttl_seconds);
    am.room_type = Set(s.room.room_type);
    am.empty_room_timeout_minutes = Set(s.room.empty_room_timeout_minutes);
    am.unused_room_timeout_minutes = Set(s.room.unused_room_timeout_minutes);
    am.max_participants = Set(s.room.max_participants);
    am.time_zone = Set(s.time_zone.clone());
    am.conversations_service_sid = Set(s.conversations_service_sid.clone());
    am.video_provider = Set(s.video_provider);
    am.record_calls = Set(s.recording.enabled);
    am.recording_retention_days = Set(s.recording.retention_days);
    am.snapshots_enabled = Set(s.snapshots.enabled);
    am.snapshot_retention_days = Set(s.snapshots.retention_days);
    am.insights_enabled = Set(s.flex_insights.enabled);
    am.insights_workspace_sid = Set(s.flex_insights.workspace_sid.clone());
    // The default mapping is kept as null, so a better default later reaches
    // every contact center that never chose its own.
    let mapping = &s.flex_insights.mapping;
    am.insights_mapping =
        Set((*mapping != Default::default()).then(|| serde_json::to_value(mapping)).transpose().ok().flatten());
    am.updated_at = Set(now);
}

impl ContactCenterRecord {
    pub fn settings(&self) -> ContactCenterSettings {
        use escalate_domain::contact_center::{Branding, RoomSettings};
        ContactCenterSettings {
            branding: Branding {
                display_name: self.display_name.clone(),
                logo_url: self.logo_url.clone(),
                primary_colour: self.primary_colour.clone(),
                accent_colour: self.accent_colour.clone(),
                headline: self.headline.clone(),
                button_text: self.button_text.clone(),
                locale: self.locale.clone(),
            },
            video_provider: self.video_provider,
            message_template: self.message_template.clone(),
            code_ttl_seconds: self.code_ttl_seconds,
            token_ttl_seconds: self.token_ttl_seconds,
            room: RoomSettings {
                room_type: self.room_type,
                empty_room_timeout_minutes: self.empty_room_timeout_minutes,
                unused_room_timeout_minutes: self.unused_room_timeout_minutes,
                max_participants: self.max_participants,
            },
            time_zone: self.time_zone.clone(),
            conversations_service_sid: self.conversations_service_sid.clone(),
            recording: escalate_domain::contact_center::RecordingSettings {
                enabled: self.record_calls,
                retention_days: self.recording_retention_days,
            },
            snapshots: escalate_domain::contact_center::SnapshotSettings {
                enabled: self.snapshots_enabled,
                retention_days: self.snapshot_retention_days,
            },
            flex_insights: escalate_domain::contact_center::FlexInsightsSettings {
                enabled: self.insights_enabled,
                workspace_sid: self.insights_workspace_sid.clone(),
                // A stored mapping this version cannot read falls back to the default.
                mapping: self.insights_mapping.clone().and_then(|m| serde_json::from_value(m).ok()).unwrap_or_default(),
            },
        }
    }
}
