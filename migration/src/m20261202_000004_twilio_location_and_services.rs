//! Real Twilio accounts: where a contact center's credentials are valid
//! (API keys are bound to a Twilio region; an edge picks the entry point),
//! and the Conversations service its conversations live in, when it is not
//! the account's default one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TwilioCredentials {
    Table,
    Region,
    Edge,
}

#[derive(DeriveIden)]
enum ContactCenters {
    Table,
    ConversationsServiceSid,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [string_len_null(TwilioCredentials::Region, 8), string_len_null(TwilioCredentials::Edge, 32)] {
            m.alter_table(Table::alter().table(TwilioCredentials::Table).add_column(column).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(ContactCenters::Table)
                .add_column(string_len_null(ContactCenters::ConversationsServiceSid, 34))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(ContactCenters::Table).drop_column(ContactCenters::ConversationsServiceSid).to_owned(),
        )
        .await?;
        for column in [TwilioCredentials::Region, TwilioCredentials::Edge] {
            m.alter_table(Table::alter().table(TwilioCredentials::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
